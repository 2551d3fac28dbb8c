using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using HealthAnalytics.Curated;
using HealthAnalytics.Ingestion;
using Microsoft.Extensions.DependencyInjection;
using static HealthAnalytics.Integration.Tests.Reliability.Harness;

namespace HealthAnalytics.Integration.Tests.Reliability;

/// <summary>Issue #6 item 5: a failure that never goes away.</summary>
public sealed class PoisonTests
{
    private const int MaxAttempts = 3; // TestStorage.Settings

    [Fact]
    public async Task Ingest_CuratedStoreAlwaysFails_BoundedRetriesThenFailedWithReasonAndReport()
    {
        var uploads = Scale(5);
        await using var storage = new TestStorage();
        var writes = 0;
        await using var services = await StartAsync(storage, s => s.With<ICuratedStore>((_, _) => new BrokenCuratedStore(() => Interlocked.Increment(ref writes))));
        var ingestion = services.GetRequiredService<IngestionService>();
        var deliveries = 0;

        for (var u = 0; u < uploads; u++)
        {
            var blobName = $"hospital-a/encounters/poison-{u}.csv";
            await storage.UploadAsync(blobName, Csv.Encounters(Rows, seed: 50_000 + u));

            // A host keeps redelivering as long as the event throws; 2 x the budget proves it stops by itself.
            IngestionResult? last = null;
            for (var d = 0; d < 2 * MaxAttempts; d++)
            {
                deliveries++;
                try
                {
                    last = await ingestion.IngestAsync(blobName, Ct);
                }
                catch (RequestFailedException)
                {
                    Assert.True(d < MaxAttempts - 1, $"delivery {d + 1} still threw");
                }
            }

            Assert.Equal(IngestionDisposition.AlreadyProcessed, last?.Disposition);
            Assert.Equal(UploadStatus.Failed, last?.Status);
            var entity = (await storage.LedgerEntitiesAsync()).Single(e => e.RowKey == last!.UploadId);
            await AssertFailedWithReportAsync(storage, entity, nameof(RequestFailedException), secret: null);
        }

        Assert.Equal(uploads * MaxAttempts, writes);
        Assert.Empty(await AllBlobsAsync(storage.Curated));
        Figure($"item 5 poison (curated store always 503): {uploads} uploads, {deliveries} deliveries, {writes} write attempts (= {MaxAttempts} per upload), all `failed` with reason and report, 0 curated blobs");
    }

    [Fact]
    public async Task DevHostPoller_CleanerAlwaysThrows_StopsAtBudgetWithFailureReportWithoutValues()
    {
        await using var storage = new TestStorage();
        var cleanings = 0;
        await using var host = await DevHost.StartAsync(storage, b => b.Services.With<IUploadCleaner>((_, _) => new CountedThrowingCleaner(() => Interlocked.Increment(ref cleanings))));

        await storage.UploadAsync("hospital-a/encounters/always-bad.csv", Csv.Encounters(Rows, seed: 51_000));
        var (entity, elapsed) = await Wait.ForAsync(async () => (await storage.LedgerEntitiesAsync()).SingleOrDefault(e => e.GetString("Status") == "failed"), TimeSpan.FromSeconds(30));

        Assert.NotNull(entity);
        await AssertFailedWithReportAsync(storage, entity, nameof(InvalidOperationException), ThrowingCleaner.SecretInMessage);

        // Never an endless loop: ten more poll intervals (200 ms each) and no further attempt.
        await Task.Delay(TimeSpan.FromSeconds(2), Ct);
        Assert.Equal(MaxAttempts, Volatile.Read(ref cleanings));
        Assert.Equal(MaxAttempts, Assert.Single(await storage.LedgerEntitiesAsync()).GetInt32("Attempts"));
        Figure($"item 5 poison via dev-host poller: `failed` after {MaxAttempts} attempts in {elapsed.TotalMilliseconds:F0} ms, 0 further attempts in the next 10 polls");
    }

    private static async Task AssertFailedWithReportAsync(TestStorage storage, TableEntity entity, string reason, string? secret)
    {
        Assert.Equal("failed", entity.GetString("Status"));
        Assert.Equal(MaxAttempts, entity.GetInt32("Attempts"));
        Assert.Equal(reason, entity.GetString("FailureReason"));
        Assert.Null(entity.GetString("CuratedPath"));
        Assert.Null(entity.GetDateTimeOffset("ClaimedUntil"));
        var json = (await storage.Reports.GetBlobClient(entity.GetString("ReportPath")).DownloadContentAsync(Ct)).Value.Content.ToString();
        var html = (await storage.Reports.GetBlobClient(entity.GetString("HtmlReportPath")).DownloadContentAsync(Ct)).Value.Content.ToString();
        using var report = JsonDocument.Parse(json);
        Assert.Equal(entity.RowKey, report.RootElement.GetProperty("uploadId").GetString());
        Assert.Equal("failed", report.RootElement.GetProperty("outcome").GetString());
        Assert.Equal(IngestionService.FailedRule, report.RootElement.GetProperty("rejection").GetProperty("rule").GetString());
        Assert.Contains(reason, report.RootElement.GetProperty("rejection").GetProperty("message").GetString(), StringComparison.Ordinal);
        if (secret is not null)
        {
            Assert.DoesNotContain(secret, json, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, html, StringComparison.Ordinal);
            Assert.All(((IDictionary<string, object>)entity).Values, v => Assert.DoesNotContain(secret, v?.ToString() ?? string.Empty, StringComparison.Ordinal));
        }
    }

    private sealed class BrokenCuratedStore(Action onWrite) : ICuratedStore
    {
        public Task<CuratedWrite> CreateIfNotExistsAsync(string path, Stream content, CancellationToken cancellationToken)
        {
            onWrite();
            throw new RequestFailedException(503, "Server Busy");
        }
    }

    private sealed class CountedThrowingCleaner(Action onClean) : IUploadCleaner
    {
        private readonly ThrowingCleaner inner = new();

        public Task<QualityReport> CleanAsync(UploadRequest upload, Stream input, Stream curatedOutput, CancellationToken cancellationToken)
        {
            onClean();
            return inner.CleanAsync(upload, input, curatedOutput, cancellationToken);
        }
    }
}
