using System.Globalization;
using HealthAnalytics.Bench.Measurement;
using HealthAnalytics.Contracts;
using HealthAnalytics.Ingestion;
using Microsoft.Extensions.Options;

namespace HealthAnalytics.Bench.Ingest;

/// <summary>
/// Our cleaner (<see cref="CsvUploadCleaner"/>: full cleaning, quality report, pseudonymization) writing
/// Parquet to a local file, as the ingestion service drives it, minus storage and the content hash.
/// Default <see cref="IngestionOptions"/>, the shipped <c>encounters</c> contract.
/// <para>
/// With <paramref name="warmUpRows"/> it measures a host that has already ingested before (the second upload of a
/// Function instance, the steady state): the same cleaner first ingests the input's first rows three times, untimed,
/// so the JIT has compiled and tiered up the pipeline (the managed ZSTD port above all) before the clock starts.
/// Without it, a fresh process: the first upload after a cold start (docs/benchmarks.md).
/// </para>
/// </summary>
public sealed class OursIngestEngine(string contractPath, int warmUpRows = 0) : IIngestEngine
{
    private const int WarmUpRounds = 3;

    // Synthetic data only: a fixed, public bench key is fine here and keeps runs comparable.
    private const string BenchKey = "bench-only-key-not-a-secret-0123456789abcdef";

    public string Name => warmUpRows > 0 ? "ours-warm" : "ours";

    public async Task<ChildReport> RunAsync(string inputCsv, string outputParquet, int threads, CancellationToken ct)
    {
        var loaded = ContractLoader.Load(await File.ReadAllTextAsync(contractPath, ct));
        if (!loaded.IsValid)
        {
            return new ChildReport { Engine = Name, Ok = false, Error = "contract invalid: " + string.Join("; ", loaded.Errors) };
        }

        // HA_BENCH_CURATED_COMPRESSION (zstd | snappy | none) measures the codecs against each other; default: the shipped one.
        var ingestion = new IngestionOptions();
        if (Environment.GetEnvironmentVariable("HA_BENCH_CURATED_COMPRESSION") is { Length: > 0 } codec)
        {
            ingestion.CuratedCompression = codec;
        }

        // HA_BENCH_HMAC=platform measures the platform HMACSHA256 in place of the multi-lane one (docs/benchmarks.md).
        var platformHmac = Environment.GetEnvironmentVariable("HA_BENCH_HMAC") == "platform";
        using var pseudonymizer = new Pseudonymizer(BenchKey, "bench", platformHmac);
        var cleaner = new CsvUploadCleaner(Options.Create(ingestion), pseudonymizer, TimeProvider.System);
        var upload = new UploadRequest("bench", "bench", "encounters", "encounters.csv", new string('0', 64), loaded.Contract!);

        if (warmUpRows > 0)
        {
            await WarmUpAsync(cleaner, upload, inputCsv, outputParquet, ct);
        }

        QualityReport report;
        // JIT work inside the timed run (all threads): what separates a host's first upload from its next ones.
        var (jitMethods, jitTime) = (System.Runtime.JitInfo.GetCompiledMethodCount(), System.Runtime.JitInfo.GetCompilationTime());
        var clock = EngineClock.Start();
        await using (var input = new FileStream(inputCsv, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan | FileOptions.Asynchronous))
        await using (var output = new FileStream(outputParquet, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 16))
        {
            report = await cleaner.CleanAsync(upload, input, output, ct);
        }

        var (seconds, cpu) = clock.Stop();
        jitMethods = System.Runtime.JitInfo.GetCompiledMethodCount() - jitMethods;
        jitTime = System.Runtime.JitInfo.GetCompilationTime() - jitTime;
        var ic = CultureInfo.InvariantCulture;
        return new ChildReport
        {
            Engine = Name,
            Ok = report.Outcome == UploadOutcome.Curated,
            Error = report.Rejection is { } r ? $"rejected: {r.Rule} ({r.Message})" : null,
            Seconds = seconds,
            CpuSeconds = cpu,
            RowsWritten = report.Rows.Written,
            OutputBytes = new FileInfo(outputParquet).Length,
            Details =
            {
                ["rowsRead"] = report.Rows.Read.ToString(ic),
                ["kept"] = report.Rows.Kept.ToString(ic),
                ["fixed"] = report.Rows.Fixed.ToString(ic),
                ["quarantined"] = report.Rows.Quarantined.ToString(ic),
                ["duplicate"] = report.Rows.Duplicate.ToString(ic),
                ["blank"] = report.Rows.Blank.ToString(ic),
                ["kAnonymity"] = report.KAnonymity?.ToString(ic) ?? "",
                ["rowGroupSize"] = ingestion.RowGroupSize.ToString(ic),
                ["curatedCompression"] = ingestion.CuratedCompression,
                ["hmac"] = platformHmac ? "platform" : "lanes",
                ["jitMethods"] = jitMethods.ToString(ic),
                ["jitSeconds"] = jitTime.TotalSeconds.ToString("F2", ic),
            },
        };
    }

    /// <summary>Ingests the header and first <c>warmUpRows</c> rows of the input <see cref="WarmUpRounds"/> times, from
    /// and to scratch files beside the output, streamed like the real run (no copy of the input in memory).</summary>
    private async Task WarmUpAsync(CsvUploadCleaner cleaner, UploadRequest upload, string inputCsv, string outputParquet, CancellationToken ct)
    {
        var head = outputParquet + ".warm.csv";
        var scratch = outputParquet + ".warm.parquet";
        try
        {
            await File.WriteAllLinesAsync(head, File.ReadLines(inputCsv).Take(warmUpRows + 1), ct);
            for (var round = 0; round < WarmUpRounds; round++)
            {
                await using var input = new FileStream(head, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan | FileOptions.Asynchronous);
                await using var output = new FileStream(scratch, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 16);
                await cleaner.CleanAsync(upload, input, output, ct);
            }
        }
        finally
        {
            File.Delete(head);
            File.Delete(scratch);
        }
    }
}
