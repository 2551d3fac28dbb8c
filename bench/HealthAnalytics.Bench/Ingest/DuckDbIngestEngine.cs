using System.Globalization;
using DuckDB.NET.Data;
using HealthAnalytics.Bench.Measurement;

namespace HealthAnalytics.Bench.Ingest;

/// <summary>
/// The peer: DuckDB's own CSV reader and Parquet writer through DuckDB.NET, with its defaults
/// (type sniffing, compression), pinned to a thread count. No cleaning, no pseudonymization: this is
/// the cost of moving the bytes, which is the floor our cleaner is compared with.
/// </summary>
public sealed class DuckDbIngestEngine : IIngestEngine
{
    public string Name => "duckdb";

    public async Task<ChildReport> RunAsync(string inputCsv, string outputParquet, int threads, CancellationToken ct)
    {
        var effectiveThreads = threads > 0 ? threads : Environment.ProcessorCount;
        var spill = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(outputParquet))!, "duckdb-spill");
        await using var connection = new DuckDBConnection("DataSource=:memory:");
        await connection.OpenAsync(ct);

        // An in-memory database spills to ./.tmp by default; keep it next to the output instead.
        await ExecAsync(connection, $"SET temp_directory = {Quote(spill)}", ct);
        await ExecAsync(connection, string.Create(CultureInfo.InvariantCulture, $"SET threads = {effectiveThreads}"), ct);
        var version = await ScalarAsync(connection, "SELECT version()", ct);

        var sql = $"COPY (SELECT * FROM read_csv({Quote(inputCsv)}, header = true)) TO {Quote(outputParquet)} (FORMAT parquet)";
        var clock = EngineClock.Start();
        await ExecAsync(connection, sql, ct);
        var (seconds, cpu) = clock.Stop();

        var rows = Convert.ToInt64(await ScalarAsync(connection, $"SELECT count(*) FROM read_parquet({Quote(outputParquet)})", ct), CultureInfo.InvariantCulture);
        return new ChildReport
        {
            Engine = Name,
            Seconds = seconds,
            CpuSeconds = cpu,
            RowsWritten = rows,
            OutputBytes = new FileInfo(outputParquet).Length,
            Details =
            {
                ["duckdbVersion"] = Convert.ToString(version, CultureInfo.InvariantCulture) ?? "?",
                ["threads"] = effectiveThreads.ToString(CultureInfo.InvariantCulture),
                ["sql"] = "COPY (SELECT * FROM read_csv(input, header = true)) TO output (FORMAT parquet)",
            },
        };
    }

    private static string Quote(string s) => "'" + s.Replace("'", "''", StringComparison.Ordinal) + "'";

    private static async Task ExecAsync(DuckDBConnection c, string sql, CancellationToken ct)
    {
        await using var cmd = c.CreateCommand();
#pragma warning disable CA2100 // Paths come from the bench's own cache directory and are quoted above.
        cmd.CommandText = sql;
#pragma warning restore CA2100
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private static async Task<object?> ScalarAsync(DuckDBConnection c, string sql, CancellationToken ct)
    {
        await using var cmd = c.CreateCommand();
#pragma warning disable CA2100 // As above: bench-owned paths, quoted.
        cmd.CommandText = sql;
#pragma warning restore CA2100
        return await cmd.ExecuteScalarAsync(ct);
    }
}
