using DuckDB.NET.Data;

namespace HealthAnalytics.Ingestion.Tests.Ingestion;

/// <summary>Reads curated Parquet back with DuckDB, an independent reader.</summary>
internal static class ParquetCheck
{
    public static async Task<long> CountAsync(byte[] parquet) =>
        Convert.ToInt64(await QueryAsync(parquet, "SELECT count(*) FROM {0}", r => r.GetValue(0)).ContinueWith(t => t.Result[0], TaskScheduler.Default));

    /// <summary>Runs <paramref name="sql"/> with <c>{0}</c> = <c>read_parquet('file')</c> and <c>{1}</c> = <c>'file'</c> (for <c>parquet_metadata</c>).</summary>
    public static async Task<List<T>> QueryAsync<T>(byte[] parquet, string sql, Func<DuckDBDataReader, T> map)
    {
        var path = Path.Combine(Path.GetTempPath(), $"ha-{Guid.NewGuid():N}.parquet");
        await File.WriteAllBytesAsync(path, parquet);
        try
        {
            using var connection = new DuckDBConnection("Data Source=:memory:");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = string.Format(System.Globalization.CultureInfo.InvariantCulture, sql, $"read_parquet('{path}')", $"'{path}'");
            using var reader = (DuckDBDataReader)command.ExecuteReader();
            var list = new List<T>();
            while (reader.Read())
            {
                list.Add(map(reader));
            }

            return list;
        }
        finally
        {
            File.Delete(path);
        }
    }
}
