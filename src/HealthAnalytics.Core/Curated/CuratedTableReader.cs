using HealthAnalytics.Training;
using Parquet;
using Parquet.Schema;

namespace HealthAnalytics.Curated;

/// <summary>
/// Reads curated Parquet row group by row group into typed column arrays, keeping only the requested
/// columns, and de-duplicates on the contract's primary key (the latest upload wins).
/// </summary>
public static class CuratedTableReader
{
    private static readonly ParquetOptions Options = new() { UseDateOnlyTypeForDates = true };

    /// <param name="uploads">Oldest first: for a repeated key the row of the latest upload is kept.</param>
    /// <param name="columns">Column name → how to hold it (numeric/boolean as double, categorical as string).</param>
    public static async Task<(TrainingTable Table, long RowsRead)> ReadAsync(
        IReadOnlyList<Func<CancellationToken, Task<Stream>>> uploads,
        IReadOnlyDictionary<string, FeatureKind> columns,
        IReadOnlyList<string> primaryKey,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(uploads);
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(primaryKey);
        var numeric = columns.Where(c => c.Value != FeatureKind.Categorical).ToDictionary(c => c.Key, _ => new List<double>(), StringComparer.Ordinal);
        var categorical = columns.Where(c => c.Value == FeatureKind.Categorical).ToDictionary(c => c.Key, _ => new List<string?>(), StringComparer.Ordinal);
        var intern = new Dictionary<string, string>(StringComparer.Ordinal);
        var latestRowByKey = new Dictionary<string, int>(StringComparer.Ordinal);
        var rows = 0;

        foreach (var open in uploads)
        {
            await using var stream = await open(cancellationToken);
            await using var reader = await ParquetReader.CreateAsync(stream, Options, cancellationToken: cancellationToken);
            for (var g = 0; g < reader.RowGroupCount; g++)
            {
                using var group = reader.OpenRowGroupReader(g);
                var n = checked((int)group.RowCount);
                var keys = new string?[n];
                foreach (var keyColumn in primaryKey)
                {
                    var values = await ReadStringsAsync(reader.Schema, group, keyColumn, n, cancellationToken);
                    for (var i = 0; i < n; i++)
                    {
                        keys[i] = keys[i] is null ? values[i] ?? "" : keys[i] + "\u001f" + values[i];
                    }
                }

                foreach (var (name, list) in numeric)
                {
                    list.AddRange(await ReadDoublesAsync(reader.Schema, group, name, n, cancellationToken));
                }

                foreach (var (name, list) in categorical)
                {
                    foreach (var v in await ReadStringsAsync(reader.Schema, group, name, n, cancellationToken))
                    {
                        list.Add(v is null ? null : intern.TryGetValue(v, out var s) ? s : intern[v] = v);
                    }
                }

                for (var i = 0; i < n; i++)
                {
                    // A later upload overwrites the index: its row is the one kept.
                    latestRowByKey[keys[i] ?? ""] = rows + i;
                }

                rows += n;
            }
        }

        var full = new TrainingTable(rows, numeric.ToDictionary(p => p.Key, p => p.Value.ToArray(), StringComparer.Ordinal), categorical.ToDictionary(p => p.Key, p => p.Value.ToArray(), StringComparer.Ordinal));
        if (primaryKey.Count == 0 || latestRowByKey.Count == rows)
        {
            return (full, rows);
        }

        var kept = latestRowByKey.Values.ToArray();
        Array.Sort(kept);
        return (full.Select(kept), rows);
    }

    private static async Task<double[]> ReadDoublesAsync(ParquetSchema schema, ParquetRowGroupReader group, string name, int n, CancellationToken ct)
    {
        var result = new double[n];
        var field = schema.DataFields.FirstOrDefault(f => f.Name == name);
        if (field is null)
        {
            // An older upload without this column: every value is missing.
            Array.Fill(result, double.NaN);
            return result;
        }

        var type = Nullable.GetUnderlyingType(field.ClrType) ?? field.ClrType;
        if (type == typeof(double))
        {
            await Fill<double>(v => v);
        }
        else if (type == typeof(int))
        {
            await Fill<int>(v => v);
        }
        else if (type == typeof(long))
        {
            await Fill<long>(v => v);
        }
        else if (type == typeof(float))
        {
            await Fill<float>(v => v);
        }
        else if (type == typeof(bool))
        {
            await Fill<bool>(v => v ? 1 : 0);
        }
        else if (type == typeof(DateOnly))
        {
            await Fill<DateOnly>(v => v.DayNumber);
        }
        else if (type == typeof(DateTime))
        {
            await Fill<DateTime>(v => DateOnly.FromDateTime(v).DayNumber);
        }
        else
        {
            throw new InvalidDataException($"Column '{name}' has Parquet type {type.Name}, which is not numeric.");
        }

        return result;

        async Task Fill<T>(Func<T, double> convert)
            where T : struct
        {
            var buffer = new T?[n];
            await group.ReadAsync<T>(field, buffer.AsMemory(), null, ct);
            for (var i = 0; i < n; i++)
            {
                result[i] = buffer[i] is { } v ? convert(v) : double.NaN;
            }
        }
    }

    private static async Task<string?[]> ReadStringsAsync(ParquetSchema schema, ParquetRowGroupReader group, string name, int n, CancellationToken ct)
    {
        var field = schema.DataFields.FirstOrDefault(f => f.Name == name);
        var buffer = new string?[n];
        if (field is null)
        {
            return buffer;
        }

        await group.ReadAsync(field, buffer.AsMemory()!, null, ct);
        return buffer;
    }
}
