using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using HealthAnalytics.Config;
using HealthAnalytics.Integration.Tests.Reliability;

namespace HealthAnalytics.Integration.Tests.Hostile;

/// <summary>
/// Issue #13 item 4 through the public path: a 100 MB model spec dropped into <c>config/models/</c> while 20 clients
/// call <c>GET /api/models</c> on the dev host over Azurite. The spec is refused from its listed size and never
/// downloaded (counted by a decorator around the real blob store); every answer is 200. Peak RSS and the p99 latency
/// are printed (and appended to <c>HA_CONFIG_FIGURES</c> when set) as figures for docs/reliability.md, not asserted.
/// </summary>
public sealed class ConfigAttackTests
{
    private const int Clients = 20;
    private const int RequestsPerClient = 150;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task HundredMegabyteSpec_TwentyClients_IsRefusedFromItsSize_NeverDownloaded_AllAnswersOk()
    {
        var megabytes = int.TryParse(Environment.GetEnvironmentVariable("HA_CONFIG_ATTACK_MB"), out var mb) ? mb : 100;
        await using var storage = new TestStorage();
        var config = storage.Blobs.GetBlobContainerClient(storage.ConfigContainer);
        await config.CreateIfNotExistsAsync(cancellationToken: Ct);
        var store = new CountingStore();
        await using var host = await HostileHost.StartAsync(storage, services: s => s.With<IConfigStore>((inner, _) => store.Wrap(inner)));
        using (var warm = await host.SendAsync(HttpMethod.Get, "/api/models"))
        {
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        }

        // Optional baseline (HA_CONFIG_ATTACK_BASELINE=1): the same load before the big spec exists, on the same host.
        var baseline = Environment.GetEnvironmentVariable("HA_CONFIG_ATTACK_BASELINE") == "1" ? await LoadAsync(host) : null;

        var upload = Stopwatch.StartNew();
        await using (var huge = new SpecPadding(megabytes * 1024L * 1024))
        {
            await config.GetBlobClient("models/huge.json").UploadAsync(huge, Ct);
        }

        upload.Stop();
        var (refusedSeen, _) = await Wait.ForAsync(
            async () =>
            {
                using var view = await host.GetJsonAsync("/api/config");
                return view.RootElement.GetProperty("refused").EnumerateArray().Any(r => r.GetProperty("name").GetString() == "huge") ? "refused" : null;
            },
            TimeSpan.FromSeconds(30));
        Assert.NotNull(refusedSeen);

        var attack = await LoadAsync(host);

        using (var view = await host.GetJsonAsync("/api/config"))
        {
            var refused = view.RootElement.GetProperty("refused").EnumerateArray().Single(r => r.GetProperty("name").GetString() == "huge");
            Assert.Contains("limit", refused.GetProperty("errors")[0].GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        Assert.All(attack.Statuses, s => Assert.Equal(HttpStatusCode.OK, s));
        Assert.Equal(Clients * RequestsPerClient, attack.Statuses.Count);
        Assert.True(store.Lists > 2, "the store was not listed again during the load: no refresh happened");
        Assert.Equal(0, store.Reads.GetValueOrDefault("huge"));

        var figures = string.Create(CultureInfo.InvariantCulture,
            $"config attack: {megabytes} MB spec (uploaded in {upload.Elapsed.TotalSeconds:F1} s); {attack}; store listed {store.Lists} times, the big spec read {store.Reads.GetValueOrDefault("huge")} times{(baseline is null ? string.Empty : "; baseline without it: " + baseline)}");
        TestContext.Current.SendDiagnosticMessage(figures);
        if (Environment.GetEnvironmentVariable("HA_CONFIG_FIGURES") is { Length: > 0 } file)
        {
            await File.AppendAllTextAsync(file, figures + "\n", Ct);
        }
    }

    /// <summary>20 clients, 150 sequential <c>GET /api/models</c> each; latencies, statuses and this process's peak RSS.</summary>
    private static async Task<Load> LoadAsync(HostileHost host)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var before = Memory.ResetPeak();
        var latencies = new ConcurrentBag<double>();
        var statuses = new ConcurrentBag<HttpStatusCode>();
        var wall = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < RequestsPerClient; i++)
            {
                var clock = Stopwatch.StartNew();
                using var response = await host.Client.GetAsync(new Uri("/api/models", UriKind.Relative), Ct);
                await response.Content.ReadAsByteArrayAsync(Ct);
                latencies.Add(clock.Elapsed.TotalMilliseconds);
                statuses.Add(response.StatusCode);
            }
        }, Ct)));
        wall.Stop();
        return new Load([.. latencies.Order()], [.. statuses], wall.Elapsed, before, Memory.PeakBytes());
    }

    private sealed record Load(double[] Sorted, List<HttpStatusCode> Statuses, TimeSpan Wall, long RssBefore, long RssPeak)
    {
        private double Percentile(double p) => Sorted[Math.Min(Sorted.Length - 1, (int)Math.Ceiling(p * Sorted.Length) - 1)];

        public override string ToString() => string.Create(CultureInfo.InvariantCulture,
            $"{Clients} clients x {RequestsPerClient} GET /api/models in {Wall.TotalSeconds:F1} s ({Statuses.Count / Wall.TotalSeconds:F0} req/s): p50 {Percentile(0.50):F1} ms, p99 {Percentile(0.99):F1} ms, max {Sorted[^1]:F1} ms; test process RSS {RssBefore / 1048576.0:F0} MB before, peak {RssPeak / 1048576.0:F0} MB");
    }

    /// <summary>Counts listings and reads per document key; everything else goes to the real blob store.</summary>
    private sealed class CountingStore
    {
        private int lists;

        public int Lists => Volatile.Read(ref lists);

        public ConcurrentDictionary<string, int> Reads { get; } = new(StringComparer.Ordinal);

        public IConfigStore Wrap(IConfigStore inner) => new Counting(inner, this);

        private sealed class Counting(IConfigStore inner, CountingStore counts) : IConfigStore
        {
            public Task<IReadOnlyList<StoredConfig>> ListAsync(int max, CancellationToken cancellationToken)
            {
                Interlocked.Increment(ref counts.lists);
                return inner.ListAsync(max, cancellationToken);
            }

            public Task<string?> ReadAsync(StoredConfig document, CancellationToken cancellationToken)
            {
                counts.Reads.AddOrUpdate(document.Key, 1, (_, n) => n + 1);
                return inner.ReadAsync(document, cancellationToken);
            }

            public Task<bool> WriteAsync(ConfigKind kind, string name, string json, CancellationToken cancellationToken)
                => inner.WriteAsync(kind, name, json, cancellationToken);
        }
    }

    /// <summary>A JSON-looking spec of any size, produced on the fly (the test never holds it in memory).</summary>
    private sealed class SpecPadding(long length) : Stream
    {
        private static readonly byte[] Head = """{"name":"huge","description":" """u8.ToArray();
        private long position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => length;

        public override long Position
        {
            get => position;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, length - position);
            for (var i = 0; i < n; i++)
            {
                var at = position + i;
                buffer[offset + i] = at < Head.Length ? Head[at] : at == length - 2 ? (byte)'"' : at == length - 1 ? (byte)'}' : (byte)'x';
            }

            position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>This process's resident set from /proc: the peak (VmHWM) can be reset to the current size.</summary>
    private static class Memory
    {
        /// <summary>Resets the peak to the current resident size (Linux: "5" into /proc/self/clear_refs) and returns it.</summary>
        public static long ResetPeak()
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return Read("VmRSS:");
        }

        public static long PeakBytes() => Read("VmHWM:");

        private static long Read(string field)
        {
            var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith(field, StringComparison.Ordinal));
            return long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
        }
    }
}
