using System.Globalization;
using HealthAnalytics.Contracts;
using HealthAnalytics.Training;
using Parquet;
using Parquet.Schema;

namespace HealthAnalytics.Curated;

/// <summary>
/// Reads curated Parquet row group by row group into typed column arrays, keeping only the requested
/// columns, and de-duplicates on the contract's primary key: within a partner by default, across partners when the
/// contract says <c>keyScope: dataset</c>; the latest upload wins either way. A primary key sent by more than one
/// partner is counted (docs/contracts.md, "Keys across partners").
/// </summary>
public static class CuratedTableReader
{
    private static readonly ParquetOptions Options = new() { UseDateOnlyTypeForDates = true };

    /// <param name="uploads">Oldest first: for a repeated key the row of the latest upload is kept.</param>
    /// <param name="columns">Column name → how to hold it (numeric/boolean as double, categorical as string).</param>
    /// <param name="primaryKey">Key columns; empty = no de-duplication.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    public static async Task<(TrainingTable Table, long RowsRead)> ReadAsync(
        IReadOnlyList<Func<CancellationToken, Task<Stream>>> uploads,
        IReadOnlyDictionary<string, FeatureKind> columns,
        IReadOnlyList<string> primaryKey,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(uploads);
        var read = await ReadAsync([.. uploads.Select(u => (string.Empty, u))], columns, primaryKey, KeyScope.Dataset, cancellationToken);
        return (read.Table, read.RowsRead);
    }

    /// <param name="uploads">Each upload's partner and opener, oldest first.</param>
    /// <param name="columns">Column name → how to hold it (numeric/boolean as double, categorical as string).</param>
    /// <param name="primaryKey">Key columns; empty = no de-duplication.</param>
    /// <param name="scope">Whether a key identifies a row within a partner or across partners.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    public static async Task<CuratedRead> ReadAsync(
        IReadOnlyList<(string Partner, Func<CancellationToken, Task<Stream>> Open)> uploads,
        IReadOnlyDictionary<string, FeatureKind> columns,
        IReadOnlyList<string> primaryKey,
        KeyScope scope,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(uploads);
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(primaryKey);
        var numeric = columns.Where(c => c.Value != FeatureKind.Categorical).ToDictionary(c => c.Key, _ => new List<double>(), StringComparer.Ordinal);
        var categorical = columns.Where(c => c.Value == FeatureKind.Categorical).ToDictionary(c => c.Key, _ => new List<string?>(), StringComparer.Ordinal);
        var intern = new Dictionary<string, string>(StringComparer.Ordinal);

        // (key, partner index) → row; the partner index is 0 for every upload when the key spans partners. Tuples keep
        // the key strings shared with firstPartner instead of concatenating a second copy per row.
        var latestRowByKey = new Dictionary<(string Key, int Partner), int>();
        var firstPartner = new Dictionary<string, int>(StringComparer.Ordinal);
        var collided = new HashSet<string>(StringComparer.Ordinal);
        var partners = new Dictionary<string, int>(StringComparer.Ordinal);
        var rows = 0;

        foreach (var (partnerName, open) in uploads)
        {
            var partner = partners.TryGetValue(partnerName, out var known) ? known : partners[partnerName] = partners.Count;
            var scoped = scope == KeyScope.Partner ? partner : 0;
            await using var stream = await open(cancellationToken);
            await using var reader = await ParquetReader.CreateAsync(stream, Options, cancellationToken: cancellationToken);
            for (var g = 0; g < reader.RowGroupCount; g++)
            {
                using var group = reader.OpenRowGroupReader(g);
                var n = checked((int)group.RowCount);
                var keys = new string?[n];
                foreach (var keyColumn in primaryKey)
                {
                    var values = await ReadKeyStringsAsync(reader.Schema, group, keyColumn, n, cancellationToken);
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

                if (primaryKey.Count > 0)
                {
                    for (var i = 0; i < n; i++)
                    {
                        var key = keys[i] ?? "";
                        if (!firstPartner.TryAdd(key, partner) && firstPartner[key] != partner)
                        {
                            collided.Add(key);
                        }

                        // A later upload overwrites the index: its row is the one kept.
                        latestRowByKey[(key, scoped)] = rows + i;
                    }
                }

                rows += n;
            }
        }

        var full = new TrainingTable(rows, numeric.ToDictionary(p => p.Key, p => p.Value.ToArray(), StringComparer.Ordinal), categorical.ToDictionary(p => p.Key, p => p.Value.ToArray(), StringComparer.Ordinal));
        if (primaryKey.Count == 0 || latestRowByKey.Count == rows)
        {
            return new CuratedRead(full, rows, collided.Count);
        }

        var kept = latestRowByKey.Values.ToArray();
        Array.Sort(kept);
        return new CuratedRead(full.Select(kept), rows, collided.Count);
    }

    private static async Task<double[]> ReadDoublesAsync(ParquetSchema schema, ParquetRowGroupReader group, string name, int n, CancellationToken ct)
    {
        var field = schema.DataFields.FirstOrDefault(f => f.Name == name);
        if (field is null)
        {
            // An older upload without this column: every value is missing.
            var missing = new double[n];
            Array.Fill(missing, double.NaN);
            return missing;
        }

        var type = Nullable.GetUnderlyingType(field.ClrType) ?? field.ClrType;
        return type == typeof(double) ? await ReadAsAsync<double, double>(group, field, n, v => v, double.NaN, ct)
            : type == typeof(int) ? await ReadAsAsync<int, double>(group, field, n, v => v, double.NaN, ct)
            : type == typeof(long) ? await ReadAsAsync<long, double>(group, field, n, v => v, double.NaN, ct)
            : type == typeof(float) ? await ReadAsAsync<float, double>(group, field, n, v => v, double.NaN, ct)
            : type == typeof(bool) ? await ReadAsAsync<bool, double>(group, field, n, v => v ? 1 : 0, double.NaN, ct)
            : type == typeof(DateOnly) ? await ReadAsAsync<DateOnly, double>(group, field, n, v => v.DayNumber, double.NaN, ct)
            : type == typeof(DateTime) ? await ReadAsAsync<DateTime, double>(group, field, n, v => DateOnly.FromDateTime(v).DayNumber, double.NaN, ct)
            : throw new InvalidDataException($"Column '{name}' has Parquet type {type.Name}, which is not numeric.");
    }

    /// <summary>A typed column of one row group, each value converted, a null as <paramref name="missing"/>.</summary>
    private static async Task<TOut[]> ReadAsAsync<T, TOut>(ParquetRowGroupReader group, DataField field, int n, Func<T, TOut> convert, TOut missing, CancellationToken ct)
        where T : struct
    {
        var buffer = new T?[n];
        await group.ReadAsync<T>(field, buffer.AsMemory(), null, ct);
        var result = new TOut[n];
        for (var i = 0; i < n; i++)
        {
            result[i] = buffer[i] is { } v ? convert(v) : missing;
        }

        return result;
    }

    /// <summary>
    /// A key column's values as text, whatever its curated type: a primary key may hold an integer, a number, a
    /// category, a boolean or a date column besides an identifier's pseudonym (<c>(id, trt)</c> for a patient's two
    /// eyes). Numbers are written invariantly and round-trip, so equal values give equal keys in every upload.
    /// </summary>
    private static async Task<string?[]> ReadKeyStringsAsync(ParquetSchema schema, ParquetRowGroupReader group, string name, int n, CancellationToken ct)
    {
        var field = schema.DataFields.FirstOrDefault(f => f.Name == name);
        var type = field is null ? null : Nullable.GetUnderlyingType(field.ClrType) ?? field.ClrType;
        var ci = CultureInfo.InvariantCulture;
        return type == typeof(int) ? await ReadAsAsync<int, string?>(group, field!, n, v => v.ToString(ci), null, ct)
            : type == typeof(long) ? await ReadAsAsync<long, string?>(group, field!, n, v => v.ToString(ci), null, ct)
            : type == typeof(double) ? await ReadAsAsync<double, string?>(group, field!, n, v => v.ToString("R", ci), null, ct)
            : type == typeof(float) ? await ReadAsAsync<float, string?>(group, field!, n, v => v.ToString("R", ci), null, ct)
            : type == typeof(bool) ? await ReadAsAsync<bool, string?>(group, field!, n, v => v ? "true" : "false", null, ct)
            : type == typeof(DateOnly) ? await ReadAsAsync<DateOnly, string?>(group, field!, n, v => v.ToString("O", ci), null, ct)
            : type == typeof(DateTime) ? await ReadAsAsync<DateTime, string?>(group, field!, n, v => v.ToString("O", ci), null, ct)
            : await ReadStringsAsync(schema, group, name, n, ct); // text (pseudonyms, categories, strings), or absent
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

/// <param name="Table">The de-duplicated rows.</param>
/// <param name="RowsRead">Rows in the uploads before de-duplication.</param>
/// <param name="CrossPartnerKeyCollisions">Distinct primary keys sent by more than one partner.</param>
public sealed record CuratedRead(TrainingTable Table, long RowsRead, long CrossPartnerKeyCollisions);
