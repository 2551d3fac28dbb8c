using System.Globalization;
using System.Text;
using HealthAnalytics.Ingestion;
using HealthAnalytics.Curated;
using Parquet;
using Parquet.Schema;

namespace HealthAnalytics.Ingestion.Tests.Ingestion;

/// <summary>
/// The hand-written Parquet writer against an independent reader, Parquet.Net: every value of every column kind,
/// encoding (dictionary with RLE and bit-packed indices, DELTA_LENGTH_BYTE_ARRAY, PLAIN) and codec, and the
/// statistics of every column chunk; then DuckDB skipping a row group by those statistics.
/// </summary>
public class ParquetWriterDifferentialTests
{
    private static readonly ParquetOptions ReadOptions = new() { UseDateOnlyTypeForDates = true };

    /// <summary>Seeded columns of each kind; value i of a row group, or null.</summary>
    private sealed class Fixture
    {
        public readonly List<OutputColumn> Columns = [];
        public readonly List<List<object?>[]> Groups = []; // per row group, per column, the values

        public Fixture(int seed, params int[] groupRows)
        {
            var names = new (string Name, OutputKind Kind)[]
            {
                ("category", OutputKind.String), ("unique_text", OutputKind.String), ("long_text", OutputKind.String),
                ("small_int", OutputKind.Int32), ("any_int", OutputKind.Int32), ("day", OutputKind.Date),
                ("measure", OutputKind.Double), ("any_double", OutputKind.Double), ("flag", OutputKind.Boolean),
                ("at", OutputKind.Timestamp), ("always_null", OutputKind.Int32), ("whole", OutputKind.Double),
            };
            Columns.AddRange(names.Select(n => new OutputColumn(n.Name, n.Kind)));
            var random = new Random(seed);
            string[] categories = ["", "F", "M", "élevé", "urgent", "a much longer category value"];
            foreach (var rows in groupRows)
            {
                var values = Columns.Select(_ => new List<object?>(rows)).ToArray();
                var runValue = categories[1];
                for (var i = 0; i < rows; i++)
                {
                    // Runs of 20 equal categories every 100 rows: RLE runs among bit-packed indices.
                    if (i % 100 == 0)
                    {
                        runValue = categories[random.Next(categories.Length)];
                    }

                    var category = i % 100 < 20 ? runValue : categories[random.Next(categories.Length)];
                    values[0].Add(random.Next(10) == 0 ? null : category);
                    values[1].Add(random.Next(20) == 0 ? null : $"id-{random.NextInt64():x}-{new string('z', random.Next(0, 40))}");
                    values[2].Add(random.Next(20) == 0 ? null : new string((char)('a' + random.Next(26)), random.Next(100, 300)));
                    values[3].Add(random.Next(8) == 0 ? null : random.Next(-5, 90));
                    values[4].Add(random.Next(30) == 0 ? null : random.Next(int.MinValue, int.MaxValue));
                    values[5].Add(random.Next(9) == 0 ? null : new DateOnly(2019, 1, 1).AddDays(random.Next(0, 1500)));
                    values[6].Add(random.Next(7) == 0 ? null : random.Next(4) == 0 ? (random.Next(2) == 0 ? 0.0 : -0.0) : Math.Round((random.NextDouble() * 20) - 5, 1));
                    values[7].Add(random.Next(25) == 0 ? null : (random.NextDouble() - 0.5) * 1e12);
                    values[8].Add(random.Next(6) == 0 ? null : random.Next(3) == 0);
                    values[9].Add(random.Next(5) == 0 ? null : new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddSeconds(random.Next(0, 10_000_000)));
                    values[10].Add(null);

                    // Whole and half numbers (70.0, 4.5): doubles that differ only in their top bits.
                    values[11].Add(random.Next(40) == 0 ? null : random.Next(100, 700) / 2.0);
                }

                Groups.Add(values);
            }
        }

        public async Task<byte[]> WriteAsync(ParquetCodec codec)
        {
            using var stream = new MemoryStream();
            using var writer = new ParquetFileWriter(stream, Columns, codec);
            await writer.StartAsync(CancellationToken.None);
            foreach (var group in Groups)
            {
                for (var c = 0; c < Columns.Count; c++)
                {
                    foreach (var v in group[c])
                    {
                        Append(Columns[c], v);
                    }
                }

                await writer.WriteRowGroupAsync(CancellationToken.None);
            }

            await writer.FinishAsync(CancellationToken.None);
            return stream.ToArray();
        }

        private static void Append(OutputColumn column, object? value)
        {
            switch (value)
            {
                case null: column.AppendNull(); break;
                case string s: column.AppendString(Encoding.UTF8.GetBytes(s)); break;
                case int i: column.AppendInt32(i); break;
                case DateOnly d: column.AppendDate(d); break;
                case double x: column.AppendDouble(x); break;
                case bool b: column.AppendBoolean(b); break;
                case DateTime t: column.AppendTimestamp(t); break;
                default: throw new ArgumentException("unexpected value", nameof(value));
            }
        }
    }

    [Theory]
    [InlineData("zstd")]
    [InlineData("snappy")]
    [InlineData("none")]
    public async Task Write_EveryKindEncodingAndCodec_ParquetNetReadsEveryValueAndStatistic(string compression)
    {
        var codec = ParquetFileWriter.Codec(compression);
        var fixture = new Fixture(20261204, 10_000, 7, 5_000);
        var bytes = await fixture.WriteAsync(codec);

        using var stream = new MemoryStream(bytes);
        await using var reader = await ParquetReader.CreateAsync(stream, ReadOptions, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(fixture.Groups.Count, reader.RowGroupCount);
        var fields = reader.Schema.DataFields;
        Assert.Equal(fixture.Columns.Select(c => c.Name), fields.Select(f => f.Name));
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            var expectedRows = fixture.Groups[g][0].Count;
            Assert.Equal(expectedRows, group.RowCount);
            for (var c = 0; c < fields.Length; c++)
            {
                var expected = fixture.Groups[g][c];
                var actual = await ReadAsync(group, fields[c], expectedRows);
                Assert.True(expected.SequenceEqual(actual), $"row group {g}, column {fields[c].Name}: values differ");

                var stats = group.GetStatistics(fields[c]);
                Assert.NotNull(stats);
                Assert.Equal(expected.Count(v => v is null), stats.NullCount);
                var present = expected.Where(v => v is not null).ToList();
                if (fields[c].Name == "long_text" || present.Count == 0)
                {
                    // Strings over 128 bytes carry no min/max (a reader could not use them); an all-null chunk has none.
                    Assert.Null(stats.MinValue);
                    Assert.Null(stats.MaxValue);
                    continue;
                }

                var ordered = present.Order(Comparer<object?>.Create(CompareValues)).ToList();
                AssertStatistic(ordered[0], stats.MinValue, isMin: true);
                AssertStatistic(ordered[^1], stats.MaxValue, isMin: false);
            }
        }
    }

    [Fact]
    public async Task Write_RepeatingAndUniqueColumns_DictionaryWhereValuesRepeatDeltaLengthForUniqueStrings()
    {
        var fixture = new Fixture(7, 10_000);
        var bytes = await fixture.WriteAsync(ParquetCodec.Zstd);
        var encodings = await ParquetCheck.QueryAsync(
            bytes,
            "SELECT path_in_schema, encodings FROM parquet_metadata({1})",
            r => (r.GetString(0), r.GetString(1)));
        var byColumn = encodings.ToDictionary(e => e.Item1, e => e.Item2);
        Assert.Contains("RLE_DICTIONARY", byColumn["category"], StringComparison.Ordinal);
        Assert.Contains("RLE_DICTIONARY", byColumn["small_int"], StringComparison.Ordinal);
        Assert.Contains("RLE_DICTIONARY", byColumn["measure"], StringComparison.Ordinal);
        Assert.Contains("RLE_DICTIONARY", byColumn["whole"], StringComparison.Ordinal);
        Assert.Contains("DELTA_LENGTH_BYTE_ARRAY", byColumn["unique_text"], StringComparison.Ordinal);
        Assert.DoesNotContain("DICTIONARY", byColumn["any_int"], StringComparison.Ordinal);
        Assert.DoesNotContain("DICTIONARY", byColumn["any_double"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task DuckDb_FilterOutsideARowGroupsStatistics_SkipsTheRowGroupWithoutReadingIt()
    {
        // Three row groups of ids 0–999, 1000–1999, 2000–2999; then the middle group's column chunk is corrupted.
        var id = new OutputColumn("id", OutputKind.Int32);
        var label = new OutputColumn("label", OutputKind.String);
        using var stream = new MemoryStream();
        using (var writer = new ParquetFileWriter(stream, [id, label], ParquetCodec.Zstd))
        {
            await writer.StartAsync(CancellationToken.None);
            for (var g = 0; g < 3; g++)
            {
                for (var i = 0; i < 1000; i++)
                {
                    id.AppendInt32((g * 1000) + i);
                    label.AppendString(Encoding.UTF8.GetBytes($"row {(g * 1000) + i}"));
                }

                await writer.WriteRowGroupAsync(CancellationToken.None);
            }

            await writer.FinishAsync(CancellationToken.None);
        }

        var bytes = stream.ToArray();
        var chunk = (await ParquetCheck.QueryAsync(
            bytes,
            "SELECT coalesce(dictionary_page_offset, data_page_offset), total_compressed_size FROM parquet_metadata({1}) WHERE row_group_id = 1 AND path_in_schema = 'id'",
            r => (Offset: r.GetInt64(0), Size: r.GetInt64(1))))[0];
        Assert.Equal(3000L, (await ParquetCheck.QueryAsync(bytes, "SELECT count(*) FROM {0}", r => r.GetInt64(0)))[0]);
        bytes.AsSpan((int)chunk.Offset, (int)chunk.Size).Fill(0xA5);

        // The filter excludes row group 1 by its min/max: DuckDB never reads the corrupted bytes.
        var skipped = await ParquetCheck.QueryAsync(bytes, "SELECT count(*), min(id), max(id) FROM {0} WHERE id >= 2000", r => (r.GetInt64(0), r.GetInt32(1), r.GetInt32(2)));
        Assert.Equal((1000L, 2000, 2999), skipped[0]);

        // A filter that needs row group 1 has to read it, and fails on the corruption: the skip above was real.
        await Assert.ThrowsAnyAsync<Exception>(() => ParquetCheck.QueryAsync(bytes, "SELECT count(*) FROM {0} WHERE id >= 1500", r => r.GetInt64(0)));
    }

    private static async Task<List<object?>> ReadAsync(ParquetRowGroupReader group, DataField field, int n)
    {
        var type = Nullable.GetUnderlyingType(field.ClrType) ?? field.ClrType;
        if (type == typeof(string) || type == typeof(ReadOnlyMemory<char>))
        {
            var strings = new string?[n];
            await group.ReadAsync(field, strings.AsMemory()!, null, CancellationToken.None);
            return [.. strings];
        }

        return type == typeof(int) ? await Typed<int>()
            : type == typeof(double) ? await Typed<double>()
            : type == typeof(bool) ? await Typed<bool>()
            : type == typeof(DateOnly) ? await Typed<DateOnly>()
            : type == typeof(DateTime) ? await Typed<DateTime>()
            : throw new InvalidOperationException($"unexpected type {type}");

        async Task<List<object?>> Typed<T>()
            where T : struct
        {
            var buffer = new T?[n];
            await group.ReadAsync<T>(field, buffer.AsMemory(), null, CancellationToken.None);
            return [.. buffer.Select(v => v is { } x ? (object?)Normalize(x) : null)];
        }
    }

    private static object Normalize(object value) => value is DateTime t ? DateTime.SpecifyKind(t.ToUniversalTime(), DateTimeKind.Utc) : value;

    private static int CompareValues(object? a, object? b) => (a, b) switch
    {
        (string x, string y) => Encoding.UTF8.GetBytes(x).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(y)),
        (IComparable x, _) => x.CompareTo(b),
        _ => throw new ArgumentException("incomparable"),
    };

    private static void AssertStatistic(object? expected, object? actual, bool isMin)
    {
        switch (expected)
        {
            case double d:
                // The format writes a zero minimum as -0.0 and a zero maximum as +0.0.
                var x = Assert.IsType<double>(actual);
                Assert.Equal(d, x);
                if (d == 0)
                {
                    Assert.Equal(isMin, double.IsNegative(x));
                }

                break;
            case DateTime t when actual is long micros:
                // Likewise a TIMESTAMP_MICROS statistic: microseconds since the Unix epoch.
                Assert.Equal((t.Ticks - DateTime.UnixEpoch.Ticks) / 10, micros);
                break;
            case DateOnly d when actual is int days:
                // Parquet.Net decodes a DATE statistic as its physical value: days since 1970-01-01.
                Assert.Equal(d.DayNumber - new DateOnly(1970, 1, 1).DayNumber, days);
                break;
            default:
                Assert.Equal(expected, actual);
                break;
        }
    }

    [Fact]
    public void EncodeHybrid_RunsAndPackedGroups_DecodesToTheSameIndices()
    {
        var random = new Random(11);
        var values = new int[5_003];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (i / 37) % 3 == 0 ? 5 : random.Next(0, 300); // runs of 37 equal values between random ones
        }

        var encoded = new byte[values.Length * 4 + 64];
        var length = ParquetChunkEncoder.EncodeHybrid(values, 9, encoded);
        Assert.Equal(values, DecodeHybrid(encoded.AsSpan(0, length), 9, values.Length));
        Assert.True(length < values.Length * 9 / 8, "RLE runs make the encoding shorter than plain bit-packing");
    }

    /// <summary>A plain reading of the RLE/bit-packed hybrid, as the format describes it.</summary>
    private static int[] DecodeHybrid(ReadOnlySpan<byte> data, int width, int count)
    {
        var result = new List<int>(count);
        var at = 0;
        while (result.Count < count)
        {
            uint header = 0;
            var shift = 0;
            byte b;
            do
            {
                b = data[at++];
                header |= (uint)(b & 0x7F) << shift;
                shift += 7;
            }
            while ((b & 0x80) != 0);

            if ((header & 1) == 0)
            {
                var value = 0;
                for (var i = 0; i < (width + 7) / 8; i++)
                {
                    value |= data[at++] << (8 * i);
                }

                result.AddRange(Enumerable.Repeat(value, (int)(header >> 1)));
            }
            else
            {
                var n = (int)(header >> 1) * 8;
                for (var i = 0; i < n; i++)
                {
                    var v = 0;
                    for (var bit = 0; bit < width; bit++)
                    {
                        var p = (i * width) + bit;
                        v |= ((data[at + (p / 8)] >> (p % 8)) & 1) << bit;
                    }

                    result.Add(v);
                }

                at += n * width / 8;
            }
        }

        return [.. result.Take(count)];
    }

    [Fact]
    public async Task Write_ManyDistinctStrings_DictionaryAbandonedAndEveryValueReadBack()
    {
        // 70k distinct values: the dictionary is abandoned after its sample and the chunk written as DELTA_LENGTH_BYTE_ARRAY.
        var column = new OutputColumn("v", OutputKind.String);
        var expected = new List<string>();
        for (var i = 0; i < 70_000; i++)
        {
            var s = i.ToString("x", CultureInfo.InvariantCulture);
            expected.Add(s);
            column.AppendString(Encoding.UTF8.GetBytes(s));
        }

        using var stream = new MemoryStream();
        using (var writer = new ParquetFileWriter(stream, [column]))
        {
            await writer.StartAsync(CancellationToken.None);
            await writer.FinishAsync(CancellationToken.None);
        }

        stream.Position = 0;
        await using var reader = await ParquetReader.CreateAsync(stream, ReadOptions, cancellationToken: TestContext.Current.CancellationToken);
        using var group = reader.OpenRowGroupReader(0);
        var actual = new string?[expected.Count];
        await group.ReadAsync(reader.Schema.DataFields[0], actual.AsMemory()!, null, CancellationToken.None);
        Assert.Equal(expected, actual);
    }
}
