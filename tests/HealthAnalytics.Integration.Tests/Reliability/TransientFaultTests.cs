using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using HealthAnalytics.Ingestion;
using Microsoft.Extensions.DependencyInjection;
using static HealthAnalytics.Integration.Tests.Reliability.Harness;

namespace HealthAnalytics.Integration.Tests.Reliability;

/// <summary>Issue #6 item 4: a fifth of all storage calls fail with 503 or time out.</summary>
public sealed class TransientFaultTests
{
    [Fact]
    public async Task Ingest_TwentyPercentOfStorageCallsFail_AllUploadsCuratedOnce()
    {
        var files = Scale(200);
        await using var storage = new TestStorage();
        var faults = new FaultInjectionTransport(seed: 4242, rate: 0.20);
        await using var services = await StartAsync(storage, clients: o =>
        {
            o.Transport = faults;

            // Short delays so the short form stays fast; production keeps the SDK defaults (exponential, 0.8 s base).
            o.Retry.Mode = RetryMode.Exponential;
            o.Retry.Delay = TimeSpan.FromMilliseconds(5);
            o.Retry.MaxDelay = TimeSpan.FromMilliseconds(50);
        }, settings: new Dictionary<string, string?>
        {
            ["Ingestion:MaxAttempts"] = "5",

            // A run whose claim release itself failed leaves a live claim: redeliveries wait for it to expire.
            ["Ingestion:ClaimTimeout"] = "00:00:02",
        });
        var ingestion = services.GetRequiredService<IngestionService>();
        var expected = new Dictionary<string, long>(StringComparer.Ordinal);
        var uploads = new List<(string Name, byte[] Content)>();
        for (var f = 0; f < files; f++)
        {
            var (content, truth) = Csv.Generate(Rows, seed: 40000 + f, dirty: true);
            uploads.Add(($"hospital-{f % 4}/encounters/flaky-{f}.csv", content));
            expected[UploadNaming.UploadId($"hospital-{f % 4}", "encounters", Sha256(content))] = truth.Rows.Written;
        }

        await UploadAllAsync(storage, uploads);

        var errors = new Dictionary<string, int>(StringComparer.Ordinal);
        faults.Enabled = true;
        var stopwatch = Stopwatch.StartNew();
        var outcomes = new (IngestionResult? Result, int Thrown)[files];
        await Parallel.ForEachAsync(Enumerable.Range(0, files), new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = Ct }, async (f, _) =>
            outcomes[f] = await DeliverUntilSettledAsync(ingestion, $"hospital-{f % 4}/encounters/flaky-{f}.csv", onThrown: e =>
            {
                lock (errors)
                {
                    var key = e.GetType().Name + (e is RequestFailedException r ? $" {r.Status} {r.ErrorCode}" : string.Empty) + " <- " + (e.InnerException?.GetType().Name ?? "-");
                    errors[key] = errors.GetValueOrDefault(key) + 1;
                    if (errors[key] == 1 && Environment.GetEnvironmentVariable("HA_FAULT_DEBUG") is { Length: > 0 } debug)
                    {
                        File.AppendAllText(debug, e + Environment.NewLine + "-----" + Environment.NewLine);
                    }
                }
            }));
        stopwatch.Stop();
        faults.Enabled = false;

        var failures = string.Join("; ", errors.Select(kv => $"{kv.Key}: {kv.Value}"));
        var statuses = string.Join(", ", outcomes.GroupBy(o => $"{o.Result?.Disposition}/{o.Result?.Status}").Select(g => $"{g.Key}: {g.Count()}"));
        Assert.True(outcomes.All(o => o.Result?.Status == UploadStatus.Curated), $"outcomes {statuses}; delivery failures {failures}");
        var ledger = await storage.LedgerEntitiesAsync();
        Assert.Equal(files, ledger.Count);
        Assert.Equal(ledger.Select(e => e.GetString("CuratedPath")).Order(), (await AllBlobsAsync(storage.Curated)).Order());
        Assert.Equal(2 * files, (await AllBlobsAsync(storage.Reports)).Count);
        var rows = await AssertAllCuratedOnceAsync(storage, ledger, expected);

        Assert.Equal(expected.Values.Sum(), rows);
        Assert.True(faults.Injected > files, $"only {faults.Injected} faults injected");
        var redelivered = outcomes.Sum(o => o.Thrown);
        Figure($"item 4 transient faults: {faults.Calls} storage calls, {faults.Injected} failed ({faults.Unavailable} x 503 before sending, {faults.Timeouts} x timeout after the server acted); {files} files curated in {stopwatch.ElapsedMilliseconds} ms, {redelivered} redeliveries needed (attempts > 1: {ledger.Count(e => e.GetInt32("Attempts") > 1)}); rows lost {expected.Values.Sum() - rows}, duplicates 0");
    }

    /// <summary>
    /// Fails a seeded share of calls: half as 503 Server Busy without sending (the server never saw it), half as a
    /// timeout after the real call (the server acted, the client never heard): the retry then meets its own
    /// earlier write (409/412), the case that breaks naive idempotency. It sits in the pipeline as the transport
    /// (wrapping the real one), not as a policy: a synthetic response only counts as an error (<c>IsError</c>, which
    /// the retry policy reads) when the pipeline's transport stage classifies it, and that flag has no public setter.
    /// </summary>
    private sealed class FaultInjectionTransport(int seed, double rate) : HttpPipelineTransport
    {
        private readonly HttpPipelineTransport inner = HttpClientTransport.Shared;
        private readonly Random random = new(seed);
        private readonly Lock gate = new();
        private int calls, unavailable, timeouts;

        public volatile bool Enabled;

        public int Calls => calls;
        public int Unavailable => unavailable;
        public int Timeouts => timeouts;
        public int Injected => unavailable + timeouts;

        public override Request CreateRequest() => inner.CreateRequest();

        public override void Process(HttpMessage message) => ProcessAsync(message).AsTask().GetAwaiter().GetResult();

        public override async ValueTask ProcessAsync(HttpMessage message)
        {
            if (!Enabled)
            {
                await inner.ProcessAsync(message);
                return;
            }

            Interlocked.Increment(ref calls);
            double roll;
            lock (gate)
            {
                roll = random.NextDouble();
            }

            if (roll < rate / 2)
            {
                Interlocked.Increment(ref unavailable);
                message.Response = new ServerBusyResponse(message.Request.ClientRequestId);
                return;
            }

            await inner.ProcessAsync(message);
            if (roll < rate)
            {
                Interlocked.Increment(ref timeouts);
                message.Response.Dispose();

                // What Azure.Core's network timeout throws: retried by the SDK's retry policy.
                throw new TaskCanceledException("simulated network timeout", new TimeoutException());
            }
        }
    }

    private sealed class ServerBusyResponse(string clientRequestId) : Response
    {
        public override int Status => 503;
        public override string ReasonPhrase => "Server Busy";
        public override Stream? ContentStream { get; set; } = new MemoryStream();
        public override string ClientRequestId { get; set; } = clientRequestId;

        public override void Dispose() => ContentStream?.Dispose();

        protected override bool ContainsHeader(string name) => false;

        protected override IEnumerable<HttpHeader> EnumerateHeaders() => [];

        protected override bool TryGetHeader(string name, [NotNullWhen(true)] out string? value)
        {
            value = null;
            return false;
        }

        protected override bool TryGetHeaderValues(string name, [NotNullWhen(true)] out IEnumerable<string>? values)
        {
            values = null;
            return false;
        }
    }
}
