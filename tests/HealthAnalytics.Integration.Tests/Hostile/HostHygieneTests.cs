using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using HealthAnalytics.Ingestion;
using HealthAnalytics.Integration.Tests.Reliability;
using Microsoft.Extensions.DependencyInjection;

namespace HealthAnalytics.Integration.Tests.Hostile;

/// <summary>
/// Issue #13 item 8, the smaller ones (security headers: <see cref="SecurityHeaderTests"/>): temp files of a crashed run
/// removed at start; the dev-host poller neither re-downloads finished uploads after a restart nor re-downloads an upload another run
/// holds on every tick (the stalled-upload sweep recovers it).
/// </summary>
public sealed class HostHygieneTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TempFilesOfACrashedRun_AreRemovedAtStart_LiveFilesAndOtherFilesKept()
    {
        var folder = Path.Combine(Path.GetTempPath(), "ha-hygiene-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            var stale = Path.Combine(folder, "ha-ingest-" + Guid.NewGuid().ToString("N") + ".tmp");
            var live = Path.Combine(folder, "ha-ingest-" + Guid.NewGuid().ToString("N") + ".tmp");
            var other = Path.Combine(folder, "notes.txt");
            await File.WriteAllBytesAsync(stale, new byte[1 << 20], Ct);
            await File.WriteAllTextAsync(other, "not ours", Ct);
            await using var held = new FileStream(live, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None);
            held.Write(new byte[4096]);
            held.Flush();
            var old = DateTime.UtcNow.AddHours(-1);
            foreach (var path in new[] { stale, live, other })
            {
                File.SetLastWriteTimeUtc(path, old);
            }

            await using var storage = new TestStorage();
            await using var host = await HostileHost.StartAsync(storage, new Dictionary<string, string?> { ["Ingestion:TempDirectory"] = folder });
            var (removed, _) = await Wait.ForAsync(() => Task.FromResult(File.Exists(stale) ? null : "removed"), TimeSpan.FromSeconds(15));

            Assert.NotNull(removed);
            Assert.True(File.Exists(live), "a file another run holds open was removed");
            Assert.True(File.Exists(other), "a file without the prefix was removed");

            // A run's own scratch files go to that folder, with the prefix, and are gone once it ends.
            var seen = new ConcurrentBag<string>();
            using var watcher = new FileSystemWatcher(folder) { EnableRaisingEvents = true };
            watcher.Created += (_, e) => seen.Add(e.Name ?? "");
            await storage.UploadAsync("clinic/encounters/t.csv", Csv.Encounters(50, seed: 1331));
            Assert.Equal("curated", Assert.Single(await host.WaitForFinalEntriesAsync(1, TimeSpan.FromSeconds(60))).GetString("Status"));
            Assert.Contains(seen, n => n.StartsWith("ha-ingest-", StringComparison.Ordinal));
            Assert.Equal(new[] { live, other }.Order(StringComparer.Ordinal), Directory.GetFiles(folder).Order(StringComparer.Ordinal));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Poller_AfterRestart_DoesNotDownloadFinishedUploadsAgain()
    {
        await using var storage = new TestStorage();
        await using (var first = await HostileHost.StartAsync(storage))
        {
            for (var i = 0; i < 3; i++)
            {
                await storage.UploadAsync($"hospital-a/encounters/f{i}.csv", Csv.Encounters(30, seed: 1340 + i));
            }

            await storage.UploadAsync("hospital-a/encounters/sub/bad-name.csv", Csv.Encounters(3, seed: 1339));
            Assert.Equal(4, (await first.WaitForFinalEntriesAsync(4, TimeSpan.FromSeconds(60))).Count);
        }

        var source = new CountingSource();
        await using var second = await HostileHost.StartAsync(storage, services: s => s.With<IUploadSource>((inner, _) => source.Wrap(inner)));
        await storage.UploadAsync("hospital-a/encounters/zz-new.csv", Csv.Encounters(30, seed: 1349));
        var entries = await second.WaitForFinalEntriesAsync(5, TimeSpan.FromSeconds(60));

        Assert.Equal(5, entries.Count);
        Assert.Equal(["hospital-a/encounters/zz-new.csv"], source.Opened.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(1, source.Opened["hospital-a/encounters/zz-new.csv"]);
    }

    [Fact]
    public async Task Poller_UploadHeldByAnotherRun_IsNotDownloadedEveryTick_TheStalledSweepRecoversIt()
    {
        await using var storage = new TestStorage();
        var (content, truth) = Csv.Generate(200, seed: 1350, dirty: true);
        var settings = new Dictionary<string, string?> { ["Ingestion:ClaimTimeout"] = "00:00:03", ["DevHost:StalledSweepInterval"] = "00:00:00.500" };

        // A first host claims the upload and dies mid-parse: `processing` with a live claim.
        var plan = new CrashPlan();
        plan.Arm(Checkpoint.MidParse, CrashMode.HostDeath);
        await using (var dead = await Harness.StartAsync(storage, s => s.With<IUploadCleaner>((inner, _) => new CrashingCleaner(inner, plan)), settings: settings))
        {
            await storage.UploadAsync("hospital-a/encounters/orphan.csv", content);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => dead.GetRequiredService<IngestionService>().IngestAsync("hospital-a/encounters/orphan.csv", plan.Host.Token));
        }

        var source = new CountingSource();
        await using var host = await HostileHost.StartAsync(storage, settings, s => s.With<IUploadSource>((inner, _) => source.Wrap(inner)));
        var entries = await host.WaitForFinalEntriesAsync(1, TimeSpan.FromSeconds(30));

        var entry = Assert.Single(entries);
        Assert.Equal("curated", entry.GetString("Status"));
        Assert.Equal(truth.Rows.Written, entry.GetInt64("RowsWritten"));
        Assert.InRange(source.Opened.GetValueOrDefault("hospital-a/encounters/orphan.csv"), 1, 2);
    }

    /// <summary>Counts downloads per blob name; everything else goes to the real source.</summary>
    private sealed class CountingSource
    {
        public ConcurrentDictionary<string, int> Opened { get; } = new(StringComparer.Ordinal);

        public IUploadSource Wrap(IUploadSource inner) => new Counting(inner, this);

        private sealed class Counting(IUploadSource inner, CountingSource counts) : IUploadSource
        {
            public Task<UploadProperties?> GetPropertiesAsync(string name, CancellationToken cancellationToken) => inner.GetPropertiesAsync(name, cancellationToken);

            public Task<Stream> OpenReadAsync(string name, string eTag, CancellationToken cancellationToken)
            {
                counts.Opened.AddOrUpdate(name, 1, (_, n) => n + 1);
                return inner.OpenReadAsync(name, eTag, cancellationToken);
            }

            public async IAsyncEnumerable<UploadProperties> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken)
            {
                await foreach (var item in inner.ListAsync(cancellationToken))
                {
                    yield return item;
                }
            }
        }
    }
}
