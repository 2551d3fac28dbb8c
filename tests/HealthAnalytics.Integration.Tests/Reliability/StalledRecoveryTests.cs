using HealthAnalytics.Ingestion;
using Microsoft.Extensions.DependencyInjection;
using static HealthAnalytics.Integration.Tests.Reliability.Harness;

namespace HealthAnalytics.Integration.Tests.Reliability;

/// <summary>
/// Issue #6 item 1, the Azure side of a dead host: redeliveries that arrive while the dead run's claim is live are
/// acknowledged (<c>InProgress</c>), so the scheduled <see cref="StalledUploadRecovery"/> sweep must bring the
/// upload back once the claim expired, or end it as <c>failed</c> when its blob no longer holds those bytes.
/// </summary>
public sealed class StalledRecoveryTests
{
    private static readonly TimeSpan ClaimTimeout = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task Sweep_UploadLeftByDeadHost_IsCuratedOnceAfterClaimExpires()
    {
        await using var storage = new TestStorage();
        var (services, clock, plan) = await StartWithDeadHostAsync(storage);
        await using var _ = services;
        var recovery = services.GetRequiredService<StalledUploadRecovery>();
        var (content, truth) = Csv.Generate(Rows, seed: 901, dirty: true);
        await KillMidParseAsync(storage, services, plan, "hospital-a/encounters/stalled.csv", content);

        Assert.Equal(0, await recovery.RecoverAsync(Ct));
        Assert.Equal("processing", Assert.Single(await storage.LedgerEntitiesAsync()).GetString("Status"));

        clock.Advance(ClaimTimeout + TimeSpan.FromSeconds(1));
        Assert.Equal(1, await recovery.RecoverAsync(Ct));
        Assert.Equal(0, await recovery.RecoverAsync(Ct));

        var entity = Assert.Single(await storage.LedgerEntitiesAsync());
        Assert.Equal("curated", entity.GetString("Status"));
        Assert.Equal(2, entity.GetInt32("Attempts"));
        var rows = await AssertCuratedOnceAsync(storage, entity, truth.Rows.Written);
        Assert.Single(await AllBlobsAsync(storage.Curated));
        Figure($"item 1 stalled-upload sweep: dead host's upload left alone while its claim was live, curated once after expiry ({rows} rows, 0 lost, 0 duplicates); a second sweep found 0");
    }

    [Fact]
    public async Task Sweep_StalledUploadWhoseBlobWasReplaced_EndsFailedWithReport_AndNewBytesAreCuratedSeparately()
    {
        await using var storage = new TestStorage();
        var (services, clock, plan) = await StartWithDeadHostAsync(storage);
        await using var _ = services;
        var recovery = services.GetRequiredService<StalledUploadRecovery>();
        var (first, _) = Csv.Generate(Rows, seed: 902, dirty: true);
        var (second, secondTruth) = Csv.Generate(Rows, seed: 903, dirty: true);
        await KillMidParseAsync(storage, services, plan, "hospital-b/encounters/replaced.csv", first);
        var stalledId = Assert.Single(await storage.LedgerEntitiesAsync()).RowKey;

        // Replaced while nobody holds it (its own event would be the newer version's): no run of the old bytes is possible.
        await storage.UploadAsync("hospital-b/encounters/replaced.csv", second);
        clock.Advance(ClaimTimeout + TimeSpan.FromSeconds(1));
        Assert.Equal(1, await recovery.RecoverAsync(Ct));

        var ledger = await storage.LedgerEntitiesAsync();
        Assert.Equal(2, ledger.Count);
        var stalled = ledger.Single(e => e.RowKey == stalledId);
        Assert.Equal("failed", stalled.GetString("Status"));
        Assert.Equal(StalledUploadRecovery.SourceGoneReason, stalled.GetString("FailureReason"));
        Assert.Null(stalled.GetString("CuratedPath"));
        var report = (await storage.Reports.GetBlobClient(stalled.GetString("ReportPath")).DownloadContentAsync(Ct)).Value.Content.ToString();
        Assert.Contains(IngestionService.FailedRule, report, StringComparison.Ordinal);

        var replacement = ledger.Single(e => e.RowKey != stalledId);
        Assert.Equal(UploadNaming.UploadId("hospital-b", "encounters", Sha256(second)), replacement.RowKey);
        Assert.Equal("curated", replacement.GetString("Status"));
        await AssertCuratedOnceAsync(storage, replacement, secondTruth.Rows.Written);
        Assert.Single(await AllBlobsAsync(storage.Curated));
        Assert.Equal(0, await recovery.RecoverAsync(Ct));
        Figure("item 1 stalled-upload sweep: blob replaced while stalled → old upload failed (UploadSourceGone) with a report and no curated blob; new bytes curated once");
    }

    [Fact]
    public async Task Sweep_StalledUploadWhoseBlobWasDeleted_EndsFailed()
    {
        await using var storage = new TestStorage();
        var (services, clock, plan) = await StartWithDeadHostAsync(storage);
        await using var _ = services;
        var (content, _) = Csv.Generate(Rows, seed: 904, dirty: true);
        await KillMidParseAsync(storage, services, plan, "hospital-c/encounters/deleted.csv", content);
        await storage.Uploads.DeleteBlobAsync("hospital-c/encounters/deleted.csv", cancellationToken: Ct);

        clock.Advance(ClaimTimeout + TimeSpan.FromSeconds(1));
        Assert.Equal(1, await services.GetRequiredService<StalledUploadRecovery>().RecoverAsync(Ct));

        var entity = Assert.Single(await storage.LedgerEntitiesAsync());
        Assert.Equal("failed", entity.GetString("Status"));
        Assert.Equal(StalledUploadRecovery.SourceGoneReason, entity.GetString("FailureReason"));
        Assert.Empty(await AllBlobsAsync(storage.Curated));
    }

    private static async Task<(ServiceProvider Services, ShiftedClock Clock, CrashPlan Plan)> StartWithDeadHostAsync(TestStorage storage)
    {
        var plan = new CrashPlan();
        var clock = new ShiftedClock();
        var services = await StartAsync(storage, s => s
                .AddSingleton<TimeProvider>(clock)
                .With<IUploadCleaner>((inner, _) => new CrashingCleaner(inner, plan)),
            settings: new Dictionary<string, string?> { ["Ingestion:ClaimTimeout"] = ClaimTimeout.ToString() });
        return (services, clock, plan);
    }

    /// <summary>Uploads the blob and runs it on a host that dies mid-parse: the entry stays <c>processing</c> with a live claim.</summary>
    private static async Task KillMidParseAsync(TestStorage storage, ServiceProvider services, CrashPlan plan, string blobName, byte[] content)
    {
        await storage.UploadAsync(blobName, content);
        plan.Arm(Checkpoint.MidParse, CrashMode.HostDeath);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => services.GetRequiredService<IngestionService>().IngestAsync(blobName, plan.Host.Token));
        plan.Disarm();
    }
}
