using System.Diagnostics;
using HealthAnalytics.Ingestion;
using Microsoft.Extensions.DependencyInjection;
using static HealthAnalytics.Integration.Tests.Reliability.Harness;

namespace HealthAnalytics.Integration.Tests.Reliability;

/// <summary>Issue #6 item 2: the same event delivered many times at once.</summary>
public sealed class DuplicateDeliveryTests
{
    [Fact]
    public async Task Ingest_TenConcurrentDeliveriesPerFile_OneClaimOneCleaningOneOutputEach()
    {
        var files = Scale(50);
        const int deliveries = 10;
        await using var storage = new TestStorage();
        Func<CountingCleaner>? cleaner = null;
        await using var services = await StartAsync(storage, s => cleaner = CountingCleaner.Register(s));
        var ingestion = services.GetRequiredService<IngestionService>();
        var expected = new Dictionary<string, long>(StringComparer.Ordinal);
        var uploads = new List<(string Name, byte[] Content)>();
        for (var f = 0; f < files; f++)
        {
            var (content, truth) = Csv.Generate(Rows, seed: 20000 + f, dirty: true);
            uploads.Add(($"hospital-{f % 5}/encounters/dup-{f}.csv", content));
            expected[UploadNaming.UploadId($"hospital-{f % 5}", "encounters", Sha256(content))] = truth.Rows.Written;
        }

        await UploadAllAsync(storage, uploads);

        // Every delivery of every file at once (files x 10 tasks), as a burst of duplicate Event Grid events would.
        var stopwatch = Stopwatch.StartNew();
        var results = await Task.WhenAll(Enumerable.Range(0, files * deliveries).Select(i =>
            Task.Run(() => ingestion.IngestAsync($"hospital-{i / deliveries % 5}/encounters/dup-{i / deliveries}.csv", Ct), Ct)));
        stopwatch.Stop();

        var processed = results.Count(r => r.Disposition == IngestionDisposition.Processed);
        var skipped = results.Count(r => r.Disposition is IngestionDisposition.InProgress or IngestionDisposition.AlreadyProcessed);
        Assert.Equal(files, processed);
        Assert.Equal(files * (deliveries - 1), skipped);
        Assert.Equal(files, cleaner!().Calls);
        var ledger = await storage.LedgerEntitiesAsync();
        Assert.Equal(files, ledger.Count);
        Assert.Equal(files, (await AllBlobsAsync(storage.Curated)).Count);
        Assert.Equal(2 * files, (await AllBlobsAsync(storage.Reports)).Count);
        Assert.All(ledger, e => Assert.Equal(1, e.GetInt32("Attempts")));
        var rows = await AssertAllCuratedOnceAsync(storage, ledger, expected);

        Assert.Equal(expected.Values.Sum(), rows);
        Figure($"item 2 duplicate delivery: {files} files x {deliveries} concurrent deliveries in {stopwatch.ElapsedMilliseconds} ms: {processed} processed, {results.Count(r => r.Disposition == IngestionDisposition.InProgress)} in progress, {results.Count(r => r.Disposition == IngestionDisposition.AlreadyProcessed)} already processed; {files} curated blobs, {files} reports, {files} ledger entries, {cleaner().Calls} cleanings; rows lost 0, duplicates 0");
    }
}
