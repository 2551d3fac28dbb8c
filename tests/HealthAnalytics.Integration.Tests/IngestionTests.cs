using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using HealthAnalytics.Functions;
using HealthAnalytics.Ingestion;
using Microsoft.Extensions.DependencyInjection;

namespace HealthAnalytics.Integration.Tests;

public sealed class IngestionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task BlobTrigger_CalledWithRealBlobClient_CuratesUploadAndRecordsLedger()
    {
        await using var storage = new TestStorage();
        await using var services = await storage.StartServicesAsync();
        var (content, truth) = Csv.Generate(rows: 300, seed: 1, dirty: true);
        await storage.UploadAsync("hospital-a/encounters/jan.csv", content);
        var function = ActivatorUtilities.CreateInstance<IngestUpload>(services);

        await function.RunAsync(storage.Uploads.GetBlobClient("hospital-a/encounters/jan.csv"), Ct);

        var entity = Assert.Single(await storage.LedgerEntitiesAsync());
        Assert.Equal("curated", entity.GetString("Status"));
        Assert.Equal("encounters", entity.PartitionKey);
        Assert.Equal(truth.Rows.Read, entity.GetInt64("RowsRead"));
        Assert.Equal(truth.Rows.Written, entity.GetInt64("RowsWritten"));
        Assert.Equal(truth.Rows.Quarantined, entity.GetInt64("RowsQuarantined"));
        var expectedId = UploadNaming.UploadId("hospital-a", "encounters", Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(content)));
        Assert.Equal(expectedId, entity.RowKey);
        Assert.Equal([$"encounters/partner=hospital-a/{expectedId}.parquet"], await storage.CuratedBlobsAsync());
        var curatedBytes = (await storage.Curated.GetBlobClient($"encounters/partner=hospital-a/{expectedId}.parquet").DownloadContentAsync(Ct)).Value.Content.ToArray();
        Assert.Equal(truth.Rows.Written, Parquet.CountRows(curatedBytes));
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(curatedBytes)), entity.GetString("CuratedSha256"));
        Assert.True((await storage.Reports.GetBlobClient($"encounters/{expectedId}.json").ExistsAsync(Ct)).Value);
        Assert.True((await storage.Reports.GetBlobClient($"encounters/{expectedId}.html").ExistsAsync(Ct)).Value);
    }

    [Fact]
    public async Task Ingest_RejectedUpload_HasReportAndLedgerButNoCuratedBlob()
    {
        await using var storage = new TestStorage();
        await using var services = await storage.StartServicesAsync();
        byte[] zip = [0x50, 0x4B, 0x03, 0x04, .. Encoding.UTF8.GetBytes("not,a,csv\n")];
        await storage.UploadAsync("lab-b/encounters/bad.csv", zip);

        var result = await services.GetRequiredService<IngestionService>().IngestAsync("lab-b/encounters/bad.csv", Ct);

        Assert.Equal(UploadStatus.Rejected, result.Status);
        var entity = Assert.Single(await storage.LedgerEntitiesAsync());
        Assert.Equal("rejected", entity.GetString("Status"));
        Assert.Equal("unsupported-format", entity.GetString("RejectionRule"));
        Assert.Empty(await storage.CuratedBlobsAsync());
        using var report = JsonDocument.Parse((await storage.Reports.GetBlobClient($"encounters/{result.UploadId}.json").DownloadContentAsync(Ct)).Value.Content.ToString());
        Assert.Equal("rejected", report.RootElement.GetProperty("outcome").GetString());
        Assert.Equal("unsupported-format", report.RootElement.GetProperty("rejection").GetProperty("rule").GetString());
    }

    [Fact]
    public async Task Ingest_DuplicateDelivery_ProducesOneOutputAndCleansOnce()
    {
        await using var storage = new TestStorage();
        Func<CountingCleaner>? cleaner = null;
        await using var services = await storage.StartServicesAsync(configure: s => cleaner = CountingCleaner.Register(s));
        await storage.UploadAsync("hospital-a/encounters/feb.csv", Csv.Encounters(50, seed: 2));
        var ingestion = services.GetRequiredService<IngestionService>();

        var first = await ingestion.IngestAsync("hospital-a/encounters/feb.csv", Ct);
        var second = await ingestion.IngestAsync("hospital-a/encounters/feb.csv", Ct);

        Assert.Equal(IngestionDisposition.Processed, first.Disposition);
        Assert.Equal(IngestionDisposition.AlreadyProcessed, second.Disposition);
        Assert.Equal(first.UploadId, second.UploadId);
        Assert.Equal(1, cleaner!().Calls);
        Assert.Single(await storage.CuratedBlobsAsync());
        Assert.Single(await storage.LedgerEntitiesAsync());
    }

    [Fact]
    public async Task Ingest_SameBytesUnderAnotherName_ProducesOneOutput()
    {
        await using var storage = new TestStorage();
        await using var services = await storage.StartServicesAsync();
        var content = Csv.Encounters(10, seed: 3);
        await storage.UploadAsync("hospital-a/encounters/march.csv", content);
        await storage.UploadAsync("hospital-a/encounters/march-copy.csv", content);
        var ingestion = services.GetRequiredService<IngestionService>();

        var first = await ingestion.IngestAsync("hospital-a/encounters/march.csv", Ct);
        var second = await ingestion.IngestAsync("hospital-a/encounters/march-copy.csv", Ct);

        Assert.Equal(IngestionDisposition.AlreadyProcessed, second.Disposition);
        Assert.Equal(first.UploadId, second.UploadId);
        Assert.Single(await storage.CuratedBlobsAsync());
        var entity = Assert.Single(await storage.LedgerEntitiesAsync());
        Assert.Equal("march.csv", entity.GetString("FileName"));
    }

    [Fact]
    public async Task Ingest_SameBytesFromAnotherPartner_IsAnotherUpload()
    {
        await using var storage = new TestStorage();
        await using var services = await storage.StartServicesAsync();
        var content = Csv.Encounters(5, seed: 4);
        await storage.UploadAsync("hospital-a/encounters/x.csv", content);
        await storage.UploadAsync("hospital-b/encounters/x.csv", content);
        var ingestion = services.GetRequiredService<IngestionService>();

        var a = await ingestion.IngestAsync("hospital-a/encounters/x.csv", Ct);
        var b = await ingestion.IngestAsync("hospital-b/encounters/x.csv", Ct);

        Assert.NotEqual(a.UploadId, b.UploadId);
        Assert.Equal(2, (await storage.CuratedBlobsAsync()).Count);
    }

    [Fact]
    public async Task Ingest_OverSizeUpload_IsRejectedBeforeDownload()
    {
        await using var storage = new TestStorage();
        Func<CountingCleaner>? cleaner = null;
        CountingUploadSource? counting = null;
        await using var services = await storage.StartServicesAsync(maxUploadBytes: 100, configure: s =>
        {
            cleaner = CountingCleaner.Register(s);
            var inner = s.Single(d => d.ServiceType == typeof(IUploadSource));
            s.Remove(inner);
            s.AddSingleton<IUploadSource>(sp => counting = new CountingUploadSource((IUploadSource)inner.ImplementationFactory!(sp)));
        });
        await storage.UploadAsync("hospital-a/encounters/big.csv", Csv.Encounters(50, seed: 5));

        var result = await services.GetRequiredService<IngestionService>().IngestAsync("hospital-a/encounters/big.csv", Ct);

        Assert.Equal(UploadStatus.Rejected, result.Status);
        Assert.NotNull(counting);
        Assert.Equal(0, counting.Opens);
        Assert.Equal(0, cleaner!().Calls);
        var entity = Assert.Single(await storage.LedgerEntitiesAsync());
        Assert.Equal("upload-size", entity.GetString("RejectionRule"));
        Assert.Empty(await storage.CuratedBlobsAsync());
        Assert.True((await storage.Reports.GetBlobClient($"encounters/{result.UploadId}.json").ExistsAsync(Ct)).Value);
    }

    [Fact]
    public async Task Ingest_UnknownDataset_IsRejectedWithNoContractRuleAndReport()
    {
        await using var storage = new TestStorage();
        Func<CountingCleaner>? cleaner = null;
        await using var services = await storage.StartServicesAsync(configure: s => cleaner = CountingCleaner.Register(s));
        await storage.UploadAsync("hospital-a/prescriptions/p.csv", Csv.Encounters(5, seed: 6));

        var result = await services.GetRequiredService<IngestionService>().IngestAsync("hospital-a/prescriptions/p.csv", Ct);

        Assert.Equal(UploadStatus.Rejected, result.Status);
        Assert.Equal(0, cleaner!().Calls);
        var entity = Assert.Single(await storage.LedgerEntitiesAsync());
        Assert.Equal("no-contract", entity.GetString("RejectionRule"));
        Assert.Equal("prescriptions", entity.GetString("Dataset"));
        Assert.Empty(await storage.CuratedBlobsAsync());
        Assert.True((await storage.Reports.GetBlobClient($"prescriptions/{result.UploadId}.json").ExistsAsync(Ct)).Value);
    }

    public static TheoryData<string, string> OddNames => new()
    {
        // Dots inside segments are data; a "." or ".." segment, one ending with a dot, an encoded one, a separator or a
        // wrong segment count is refused (docs/ingestion.md, "Blob names"; Hostile/BlobNameTests).
        { "dot-dot", "..hospital/encounters/...x..y.csv" },
        { "percent", "hospital-a/encounters/50% off.csv" },
        { "braces", "{partner}/encounters/{name}.csv" },
        { "long", "hospital-a/encounters/" + new string('a', 1000) },
        { "unicode", "hôpital ñ/encounters/файл #1?.csv" },
    };

    [Theory]
    [MemberData(nameof(OddNames))]
    public async Task Ingest_OddBlobName_IsCuratedWithNameKeptAsData(string label, string blobName)
    {
        Assert.NotEmpty(label);
        await using var storage = new TestStorage();
        await using var services = await storage.StartServicesAsync();
        await storage.UploadAsync(blobName, Csv.Encounters(3, seed: 7));

        var result = await services.GetRequiredService<IngestionService>().IngestAsync(blobName, Ct);

        Assert.Equal(UploadStatus.Curated, result.Status);
        var entity = Assert.Single(await storage.LedgerEntitiesAsync());
        Assert.True(UploadNaming.TryParse(blobName, out var name));
        Assert.Equal(name.Partner, entity.GetString("Partner"));
        // A file name over 80 characters is shown hashed (docs/ingestion.md, "File names"), never cut or echoed.
        if (name.FileName.Length <= 80)
        {
            Assert.Equal(name.FileName, entity.GetString("FileName"));
        }
        else
        {
            Assert.StartsWith("hidden-", entity.GetString("FileName"), StringComparison.Ordinal);
        }

        var curated = Assert.Single(await storage.CuratedBlobsAsync());
        Assert.DoesNotContain("..", curated, StringComparison.Ordinal);
        Assert.EndsWith($"/{result.UploadId}.parquet", curated, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ingest_BackslashInName_IsRefusedWithLedgerEntry_NameNotEchoed()
    {
        await using var storage = new TestStorage();
        await using var services = await storage.StartServicesAsync();
        const string blobName = "p/..%{}#?\\/f.csv";
        await storage.UploadAsync(blobName, Csv.Encounters(3, seed: 8));

        var result = await services.GetRequiredService<IngestionService>().IngestAsync(blobName, Ct);

        Assert.Equal(UploadStatus.Rejected, result.Status);
        var entity = Assert.Single(await storage.LedgerEntitiesAsync());
        Assert.Equal("blob-name", entity.GetString("RejectionRule"));
        Assert.Equal("p", entity.GetString("Partner"));
        Assert.Equal(string.Empty, entity.GetString("Dataset") ?? string.Empty);
        Assert.StartsWith("hidden-", entity.GetString("FileName"), StringComparison.Ordinal);
        Assert.DoesNotContain(entity.Keys.Select(k => entity[k]), v => v is string text && text.Contains("%{}#?", StringComparison.Ordinal));
        Assert.Empty(await storage.CuratedBlobsAsync());
    }

    [Fact]
    public async Task Ingest_NameWithoutPartnerAndDataset_IsRefusedWithLedgerEntry_CleanerNeverCalled()
    {
        await using var storage = new TestStorage();
        Func<CountingCleaner>? cleaner = null;
        await using var services = await storage.StartServicesAsync(configure: s => cleaner = CountingCleaner.Register(s));
        await storage.UploadAsync("loose-file.csv", Csv.Encounters(3, seed: 9));

        var result = await services.GetRequiredService<IngestionService>().IngestAsync("loose-file.csv", Ct);

        // Issue #13 item 8: a badly named blob leaves a status (it used to be ignored without a trace).
        Assert.Equal(UploadStatus.Rejected, result.Status);
        var entity = Assert.Single(await storage.LedgerEntitiesAsync());
        Assert.Equal("blob-name", entity.GetString("RejectionRule"));
        Assert.Equal(0, cleaner!().Calls);
    }

    [Fact]
    public async Task Ingest_CleanerKeepsThrowing_RetriesThenFailsWithReasonWithoutValues()
    {
        await using var storage = new TestStorage();
        await using var services = await storage.StartServicesAsync(configure: s => s.AddSingleton<IUploadCleaner, ThrowingCleaner>());
        await storage.UploadAsync("hospital-a/encounters/boom.csv", Csv.Encounters(5, seed: 12));
        var ingestion = services.GetRequiredService<IngestionService>();

        // MaxAttempts is 3 in the test settings: two rethrows for the host to redeliver, then `failed`.
        await Assert.ThrowsAsync<InvalidOperationException>(() => ingestion.IngestAsync("hospital-a/encounters/boom.csv", Ct));
        Assert.Equal("processing", Assert.Single(await storage.LedgerEntitiesAsync()).GetString("Status"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => ingestion.IngestAsync("hospital-a/encounters/boom.csv", Ct));
        var last = await ingestion.IngestAsync("hospital-a/encounters/boom.csv", Ct);

        Assert.Equal(IngestionDisposition.Failed, last.Disposition);
        var entity = Assert.Single(await storage.LedgerEntitiesAsync());
        Assert.Equal("failed", entity.GetString("Status"));
        Assert.Equal(3, entity.GetInt32("Attempts"));
        Assert.Equal(nameof(InvalidOperationException), entity.GetString("FailureReason"));
        foreach (var value in ((IDictionary<string, object>)entity).Values)
        {
            Assert.DoesNotContain(ThrowingCleaner.SecretInMessage, value?.ToString() ?? string.Empty, StringComparison.Ordinal);
        }

        Assert.Empty(await storage.CuratedBlobsAsync());
    }

    [Fact]
    public async Task Ingest_CrashAfterCuratedCommit_RedoIsIdempotent()
    {
        await using var storage = new TestStorage();
        await using var services = await storage.StartServicesAsync();
        var content = Csv.Encounters(8, seed: 10);
        await storage.UploadAsync("hospital-a/encounters/redo.csv", content);
        var ingestion = services.GetRequiredService<IngestionService>();
        var first = await ingestion.IngestAsync("hospital-a/encounters/redo.csv", Ct);

        // Simulate a crash before the ledger's final write: put the entry back to `processing`.
        var entity = Assert.Single(await storage.LedgerEntitiesAsync());
        entity["Status"] = "processing";
        await storage.Ledger.UpdateEntityAsync(entity, entity.ETag, TableUpdateMode.Replace, Ct);
        var before = (await storage.Curated.GetBlobClient(Assert.Single(await storage.CuratedBlobsAsync())).GetPropertiesAsync(cancellationToken: Ct)).Value.ETag;

        var redo = await ingestion.IngestAsync("hospital-a/encounters/redo.csv", Ct);

        Assert.Equal(IngestionDisposition.Processed, redo.Disposition);
        Assert.Equal(first.UploadId, redo.UploadId);
        var curated = Assert.Single(await storage.CuratedBlobsAsync());
        Assert.Equal(before, (await storage.Curated.GetBlobClient(curated).GetPropertiesAsync(cancellationToken: Ct)).Value.ETag);
        Assert.Equal("curated", Assert.Single(await storage.LedgerEntitiesAsync()).GetString("Status"));
    }

    private sealed class CountingUploadSource(IUploadSource inner) : IUploadSource
    {
        private int opens;

        public int Opens => Volatile.Read(ref opens);

        public Task<UploadProperties?> GetPropertiesAsync(string name, CancellationToken cancellationToken) => inner.GetPropertiesAsync(name, cancellationToken);

        public Task<Stream> OpenReadAsync(string name, string eTag, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref opens);
            return inner.OpenReadAsync(name, eTag, cancellationToken);
        }

        public IAsyncEnumerable<UploadProperties> ListAsync(CancellationToken cancellationToken) => inner.ListAsync(cancellationToken);
    }
}
