using Azure.Data.Tables;
using HealthAnalytics.Curated;
using HealthAnalytics.Ingestion;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using static HealthAnalytics.Integration.Tests.Reliability.Harness;

namespace HealthAnalytics.Integration.Tests.Reliability;

/// <summary>Issue #6 item 1: a crash at each checkpoint of a run, then the event redelivered.</summary>
public sealed class CrashTests
{
    private static readonly TimeSpan ClaimTimeout = TimeSpan.FromMinutes(1);

    public static TheoryData<Checkpoint> Checkpoints => [.. Enum.GetValues<Checkpoint>()];

    [Theory]
    [MemberData(nameof(Checkpoints))]
    public async Task Ingest_CrashAtCheckpointThenRedelivery_LosesNoRowAndDuplicatesNone(Checkpoint checkpoint)
    {
        var runs = Scale(20);
        await using var storage = new TestStorage();
        var plan = new CrashPlan();
        var clock = new ShiftedClock();
        await using var services = await StartAsync(storage, s => s
                .AddSingleton<TimeProvider>(clock)
                .With<IUploadSource>((inner, _) => new CrashingUploadSource(inner, plan))
                .With<IUploadCleaner>((inner, _) => new CrashingCleaner(inner, plan))
                .With<ICuratedStore>((inner, _) => new CrashingCuratedStore(inner, plan))
                .With<IReportStore>((inner, _) => new CrashingReportStore(inner, plan))
                .With<IUploadLedger>((inner, _) => new CrashingLedger(inner, plan)),
            settings: new Dictionary<string, string?> { ["Ingestion:ClaimTimeout"] = ClaimTimeout.ToString() });
        var ingestion = services.GetRequiredService<IngestionService>();
        long expectedTotal = 0, readBack = 0, heldWhileClaimLive = 0;

        for (var run = 0; run < runs; run++)
        {
            var (content, truth) = Csv.Generate(Rows, seed: 10_000 * ((int)checkpoint + 1) + run, dirty: true);
            var blobName = $"hospital-{run % 3}/encounters/run-{run}.csv";
            await storage.UploadAsync(blobName, content);
            var mode = run % 2 == 0 ? CrashMode.Exception : CrashMode.HostDeath;

            plan.Arm(checkpoint, mode);
            IngestionResult? crashed = null;
            try
            {
                crashed = await ingestion.IngestAsync(blobName, plan.Host.Token);
            }
            catch (Exception e) when (e is SimulatedCrashException or OperationCanceledException)
            {
            }

            Assert.Equal(run + 1, plan.Fired);
            if (mode == CrashMode.HostDeath && checkpoint is Checkpoint.MidParse or Checkpoint.AfterCuratedWrite or Checkpoint.AfterReport)
            {
                // The dead run's claim is live: a redelivery now must leave it alone...
                var early = await ingestion.IngestAsync(blobName, Ct);
                Assert.Equal(IngestionDisposition.InProgress, early.Disposition);
                heldWhileClaimLive++;

                // ...and take it over once the claim expired.
                clock.Advance(ClaimTimeout + TimeSpan.FromSeconds(1));
            }

            var (result, thrown) = await DeliverUntilSettledAsync(ingestion, blobName);

            Assert.Equal(0, thrown);
            Assert.NotNull(result);
            Assert.Equal(UploadStatus.Curated, result.Status);
            Assert.True(crashed is null || crashed.Status == UploadStatus.Curated, $"a crashed run returned {crashed?.Disposition}");
            var entity = (await storage.LedgerEntitiesAsync()).Single(e => e.RowKey == result.UploadId);
            Assert.Equal(UploadNaming.UploadId($"hospital-{run % 3}", "encounters", Sha256(content)), entity.RowKey);
            expectedTotal += truth.Rows.Written;
            readBack += await AssertCuratedOnceAsync(storage, entity, truth.Rows.Written);
        }

        // The containers hold exactly one curated blob and one report pair per upload: nothing partial or stray.
        var ledger = await storage.LedgerEntitiesAsync();
        Assert.Equal(runs, ledger.Count);
        Assert.All(ledger, e => Assert.Equal("curated", e.GetString("Status")));
        Assert.Equal(ledger.Select(e => e.GetString("CuratedPath")).Order(), (await AllBlobsAsync(storage.Curated)).Order());
        Assert.Equal(ledger.SelectMany(e => new[] { e.GetString("ReportPath"), e.GetString("HtmlReportPath") }).Order(), (await AllBlobsAsync(storage.Reports)).Order());
        Assert.Equal(expectedTotal, readBack);
        Figure($"item 1 crash {checkpoint}: {runs} faults injected ({runs - runs / 2} exception, {runs / 2} host death; {heldWhileClaimLive} redeliveries refused while the dead run's claim was live), {runs} uploads curated, rows expected {expectedTotal}, read back {readBack}, lost {expectedTotal - readBack}, duplicates 0, stray blobs 0");
    }

    [Fact]
    public async Task DevHostPoller_CrashAfterCuratedWrite_RedeliversAndCuratesOnce()
    {
        await using var storage = new TestStorage();
        var plan = new CrashPlan();
        plan.Arm(Checkpoint.AfterCuratedWrite, CrashMode.Exception);
        await using var host = await DevHost.StartAsync(storage, b => b.Services.With<ICuratedStore>((inner, _) => new CrashingCuratedStore(inner, plan)));
        var (content, truth) = Csv.Generate(Rows, seed: 77, dirty: true);

        await storage.UploadAsync("hospital-a/encounters/poller.csv", content);
        var (entity, elapsed) = await Wait.ForAsync(() => CuratedEntityAsync(storage), TimeSpan.FromSeconds(30));

        Assert.NotNull(entity);
        Assert.Equal(1, plan.Fired);
        Assert.Equal(2, entity.GetInt32("Attempts"));
        await AssertCuratedOnceAsync(storage, entity, truth.Rows.Written);
        Assert.Single(await AllBlobsAsync(storage.Curated));
        Figure($"item 1 dev-host poller: crash after curated write, curated after {elapsed.TotalMilliseconds:F0} ms on attempt 2, 0 rows lost");
    }

    [Fact]
    public async Task DevHost_UploadClaimedByDeadHost_IsTakenOverByTheStalledSweepAfterClaimTimeout()
    {
        await using var storage = new TestStorage();
        var (content, truth) = Csv.Generate(Rows, seed: 78, dirty: true);

        // The poller leaves an upload another run holds to that run (issue #13): the sweep takes a dead run's over.
        var timeout = new Dictionary<string, string?> { ["Ingestion:ClaimTimeout"] = "00:00:02", ["DevHost:StalledSweepInterval"] = "00:00:00.500" };

        // A first host claims the upload and dies mid-parse: its entry stays `processing` with a live claim.
        var plan = new CrashPlan();
        plan.Arm(Checkpoint.MidParse, CrashMode.HostDeath);
        await using (var dead = await StartAsync(storage, s => s.With<IUploadCleaner>((inner, _) => new CrashingCleaner(inner, plan)), settings: timeout))
        {
            await storage.UploadAsync("hospital-a/encounters/orphan.csv", content);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => dead.GetRequiredService<IngestionService>().IngestAsync("hospital-a/encounters/orphan.csv", plan.Host.Token));
        }

        Assert.Equal("processing", Assert.Single(await storage.LedgerEntitiesAsync()).GetString("Status"));
        await using var host = await DevHost.StartAsync(storage, b => b.Configuration.AddInMemoryCollection(timeout));
        var (entity, elapsed) = await Wait.ForAsync(() => CuratedEntityAsync(storage), TimeSpan.FromSeconds(30));

        Assert.NotNull(entity);
        Assert.Equal(2, entity.GetInt32("Attempts"));
        await AssertCuratedOnceAsync(storage, entity, truth.Rows.Written);
        Figure($"item 1 dev host: orphaned claim (ClaimTimeout 2 s) taken over by the stalled sweep and curated after {elapsed.TotalMilliseconds:F0} ms");
    }

    private static async Task<TableEntity?> CuratedEntityAsync(TestStorage storage)
        => (await storage.LedgerEntitiesAsync()).SingleOrDefault(e => e.GetString("Status") == "curated");
}
