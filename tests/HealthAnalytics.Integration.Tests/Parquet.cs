using System.Data.Common;
using System.Globalization;
using DuckDB.NET.Data;

namespace HealthAnalytics.Integration.Tests;

/// <summary>Reads curated Parquet back with DuckDB, as an analyst would.</summary>
public static class Parquet
{
    public static long CountRows(byte[] parquet)
        => Query(parquet, file => $"SELECT count(*) FROM read_parquet('{file}')", reader =>
        {
            reader.Read();
            return Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture);
        });

    /// <summary>Runs one DuckDB query over the Parquet bytes: <paramref name="sql"/> gets the path of a private
    /// temp copy (deleted afterwards) and <paramref name="read"/> consumes the result.</summary>
    public static T Query<T>(byte[] parquet, Func<string, string> sql, Func<DbDataReader, T> read)
    {
        var path = Path.Combine(Path.GetTempPath(), "ha-test-" + Guid.NewGuid().ToString("N") + ".parquet");
        File.WriteAllBytes(path, parquet);
        try
        {
            using var connection = new DuckDBConnection("DataSource=:memory:");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = sql(path);
            using var reader = command.ExecuteReader();
            return read(reader);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
