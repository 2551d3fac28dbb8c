using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Azure.Core;
using Azure.Data.Tables;
using Azure.Storage.Blobs.Models;
using DuckDB.NET.Data;
using HealthAnalytics.Ingestion;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace HealthAnalytics.Integration.Tests.Reliability;

/// <summary>Shared set-up and independent checks of the reliability tests (issue #6 items 1-5).</summary>
public static class Harness
{
    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary><c>HA_SOAK=1</c> (<c>./dev soak</c>): 10x the runs and larger files.</summary>
    public static bool Soak => Environment.GetEnvironmentVariable("HA_SOAK") == "1";

    public static int Scale(int shortForm) => Soak ? shortForm * 10 : shortForm;

    /// <summary>Rows per upload: small in <c>./dev test</c>, larger in the soak.</summary>
    public static int Rows => Soak ? 2_000 : 200;

    /// <summary>The hosts' services over <paramref name="storage"/>, like <see cref="TestStorage.StartServicesAsync"/>
    /// but with the storage clients' options hook (item 4) and extra settings.</summary>
    public static async Task<ServiceProvider> StartAsync(
        TestStorage storage,
        Action<IServiceCollection>? configure = null,
        Action<ClientOptions>? clients = null,
        IDictionary<string, string?>? settings = null)
    {
        var all = storage.Settings();
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(all).Build();
        var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton<IConfiguration>(configuration)
            .AddHealthAnalyticsApp(configuration, clients);
        configure?.Invoke(services);
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        foreach (var hosted in provider.GetServices<IHostedService>())
        {
            await hosted.StartAsync(Ct);
        }

        return provider;
    }

    /// <summary>Delivers the event like a host that retries: after an exception (at most
    /// <paramref name="maxFailures"/> times), or after <see cref="IngestionDisposition.InProgress"/> (another run's claim,
    /// perhaps a dead one, within 30 s), until a final status. Returns the last result and how many deliveries threw.</summary>
    public static async Task<(IngestionResult? Result, int Thrown)> DeliverUntilSettledAsync(IngestionService ingestion, string blobName, int maxFailures = 10, Action<Exception>? onThrown = null)
    {
        var thrown = 0;
        IngestionResult? result = null;
        var deadline = System.Diagnostics.Stopwatch.StartNew();
        while (thrown < maxFailures && deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            try
            {
                result = await ingestion.IngestAsync(blobName, Ct);
                if (result.Disposition is IngestionDisposition.Processed or IngestionDisposition.AlreadyProcessed or IngestionDisposition.Failed)
                {
                    return (result, thrown);
                }

                await Task.Delay(100, Ct);
            }
            catch (Exception e) when (!Ct.IsCancellationRequested)
            {
                onThrown?.Invoke(e);
                thrown++;
            }
        }

        return (result, thrown);
    }

    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>Every blob of a container, committed or not (an uncommitted block list is a partial write).</summary>
    public static async Task<List<string>> AllBlobsAsync(Azure.Storage.Blobs.BlobContainerClient container)
    {
        var names = new List<string>();
        await foreach (var item in container.GetBlobsAsync(new GetBlobsOptions { States = BlobStates.Uncommitted }, Ct))
        {
            names.Add(item.Name);
        }

        return names;
    }

    /// <summary>Rows and distinct primary keys of a curated Parquet, read by DuckDB.</summary>
    public static (long Rows, long DistinctKeys) CountRowsAndKeys(byte[] parquet)
        => Parquet.Query(parquet, file => $"SELECT count(*), count(DISTINCT encounter_id) FROM read_parquet('{file}')", reader =>
        {
            reader.Read();
            return (Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture), Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture));
        });

    /// <summary>
    /// The state an upload must end in, read back independently from Azurite: one ledger entry, curated, with
    /// no live claim; exactly its curated blob (no stray or partial blob) holding <paramref name="expectedRows"/>
    /// rows with distinct keys, whose hash the ledger records; its JSON and HTML report, whose counts equal the
    /// ledger's. Returns the rows read back.
    /// </summary>
    public static async Task<long> AssertCuratedOnceAsync(TestStorage storage, TableEntity entity, long expectedRows)
    {
        Assert.Equal("curated", entity.GetString("Status"));
        Assert.Null(entity.GetDateTimeOffset("ClaimedUntil"));
        var uploadId = entity.RowKey;
        var curatedPath = entity.GetString("CuratedPath");
        Assert.NotNull(curatedPath);
        var bytes = (await storage.Curated.GetBlobClient(curatedPath).DownloadContentAsync(Ct)).Value.Content.ToArray();
        var (rows, keys) = CountRowsAndKeys(bytes);
        Assert.Equal(expectedRows, rows);
        Assert.Equal(rows, keys);
        Assert.Equal(Sha256(bytes), entity.GetString("CuratedSha256"));
        Assert.Equal(rows, entity.GetInt64("RowsWritten"));

        using var report = JsonDocument.Parse((await storage.Reports.GetBlobClient(entity.GetString("ReportPath")).DownloadContentAsync(Ct)).Value.Content.ToString());
        Assert.Equal(uploadId, report.RootElement.GetProperty("uploadId").GetString());
        Assert.Equal("curated", report.RootElement.GetProperty("outcome").GetString());
        Assert.Equal(entity.GetInt64("RowsRead"), report.RootElement.GetProperty("rows").GetProperty("read").GetInt64());
        Assert.Equal(rows, report.RootElement.GetProperty("rows").GetProperty("written").GetInt64());
        Assert.True((await storage.Reports.GetBlobClient(entity.GetString("HtmlReportPath")).ExistsAsync(Ct)).Value);
        return rows;
    }

    /// <summary>
    /// <see cref="AssertCuratedOnceAsync"/> for many uploads at once: the ledger checks per entry, the Parquet files
    /// counted by one DuckDB query over all of them (one query instead of one engine per file keeps the suite fast).
    /// <paramref name="expected"/> maps upload id to output rows. Returns the rows read back.
    /// </summary>
    public static async Task<long> AssertAllCuratedOnceAsync(TestStorage storage, IReadOnlyList<TableEntity> ledger, IReadOnlyDictionary<string, long> expected)
    {
        Assert.Equal(expected.Count, ledger.Count);
        var folder = Directory.CreateTempSubdirectory("ha-test-");
        try
        {
            await Parallel.ForEachAsync(ledger, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = Ct }, async (entity, ct) =>
            {
                Assert.Equal("curated", entity.GetString("Status"));
                Assert.Null(entity.GetDateTimeOffset("ClaimedUntil"));
                var bytes = (await storage.Curated.GetBlobClient(entity.GetString("CuratedPath")).DownloadContentAsync(ct)).Value.Content.ToArray();
                Assert.Equal(Sha256(bytes), entity.GetString("CuratedSha256"));
                await File.WriteAllBytesAsync(Path.Combine(folder.FullName, entity.RowKey + ".parquet"), bytes, ct);
                using var report = JsonDocument.Parse((await storage.Reports.GetBlobClient(entity.GetString("ReportPath")).DownloadContentAsync(ct)).Value.Content.ToString());
                Assert.Equal("curated", report.RootElement.GetProperty("outcome").GetString());
                Assert.Equal(entity.GetInt64("RowsRead"), report.RootElement.GetProperty("rows").GetProperty("read").GetInt64());
                Assert.Equal(entity.GetInt64("RowsWritten"), report.RootElement.GetProperty("rows").GetProperty("written").GetInt64());
                Assert.True((await storage.Reports.GetBlobClient(entity.GetString("HtmlReportPath")).ExistsAsync(ct)).Value);
            });

            using var connection = new DuckDBConnection("DataSource=:memory:");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT filename, count(*), count(DISTINCT encounter_id) FROM read_parquet('{folder.FullName}/*.parquet', filename = true) GROUP BY filename";
            using var reader = command.ExecuteReader();
            long total = 0;
            var seen = 0;
            while (reader.Read())
            {
                var uploadId = Path.GetFileNameWithoutExtension(reader.GetString(0));
                var rows = Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture);
                Assert.Equal(expected[uploadId], rows);
                Assert.Equal(rows, Convert.ToInt64(reader.GetValue(2), CultureInfo.InvariantCulture));
                Assert.Equal(rows, ledger.Single(e => e.RowKey == uploadId).GetInt64("RowsWritten"));
                total += rows;
                seen++;
            }

            // A file with 0 rows has no group: count those as read back with 0 rows.
            Assert.Equal(expected.Count(kv => kv.Value > 0), seen);
            return total;
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>Uploads many files at once (set-up only).</summary>
    public static Task UploadAllAsync(TestStorage storage, IEnumerable<(string Name, byte[] Content)> files)
        => Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = Ct }, async (file, _) => await storage.UploadAsync(file.Name, file.Content));

    /// <summary>Writes one measured figure to the test output and, under <c>./dev soak</c>, to the figures file.</summary>
    public static void Figure(string line)
    {
        TestContext.Current.SendDiagnosticMessage(line);
        if (Environment.GetEnvironmentVariable("HA_RELIABILITY_FIGURES") is { Length: > 0 } file)
        {
            lock (FigureLock)
            {
                File.AppendAllText(file, line + Environment.NewLine);
            }
        }
    }

    private static readonly Lock FigureLock = new();
}
