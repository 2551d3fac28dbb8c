using DuckDB.NET.Data;

namespace HealthAnalytics.Integration.Tests;

/// <summary>Reads curated Parquet back with DuckDB, as an analyst would.</summary>
public static class Parquet
{
    public static long CountRows(byte[] parquet)
    {
        var path = Path.Combine(Path.GetTempPath(), "ha-test-" + Guid.NewGuid().ToString("N") + ".parquet");
        File.WriteAllBytes(path, parquet);
        try
        {
            using var connection = new DuckDBConnection("DataSource=:memory:");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT count(*) FROM read_parquet('{path}')";
            return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
