using HealthAnalytics.Bench.Measurement;

namespace HealthAnalytics.Bench.Ingest;

/// <summary>
/// One CSV → Parquet engine, run inside a child process (<c>child ingest ENGINE ...</c>).
/// Implementations time only the conversion itself, not their own set-up.
/// </summary>
public interface IIngestEngine
{
    /// <summary>Engine id used on the command line and in results, e.g. <c>ours</c>, <c>duckdb</c>.</summary>
    string Name { get; }

    Task<ChildReport> RunAsync(string inputCsv, string outputParquet, int threads, CancellationToken ct);
}
