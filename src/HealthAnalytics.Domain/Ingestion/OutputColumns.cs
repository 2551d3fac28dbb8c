using Parquet;
using Parquet.Schema;

namespace HealthAnalytics.Domain.Ingestion;

/// <summary>One curated column's values for the current row group, typed, nullable.</summary>
internal abstract class OutputColumn(DataField field, int capacity)
{
    public DataField Field { get; } = field;
    protected int Capacity { get; } = capacity;

    public abstract Task WriteAsync(ParquetRowGroupWriter rowGroup, int count, CancellationToken ct);

    public static OutputColumn Create(string name, OutputKind kind, int capacity) => kind switch
    {
        OutputKind.Int32 => new ValueColumn<int>(new DataField<int?>(name), capacity),
        OutputKind.Double => new ValueColumn<double>(new DataField<double?>(name), capacity),
        OutputKind.Boolean => new ValueColumn<bool>(new DataField<bool?>(name), capacity),
        OutputKind.Date => new ValueColumn<DateOnly>(new DataField<DateOnly?>(name), capacity),
        OutputKind.Timestamp => new ValueColumn<DateTime>(new DataField<DateTime?>(name), capacity),
        _ => new TextColumn(new DataField<string>(name, true), capacity),
    };
}

internal enum OutputKind
{
    String,
    Int32,
    Double,
    Boolean,
    Date,
    Timestamp,
}

internal sealed class ValueColumn<T>(DataField field, int capacity) : OutputColumn(field, capacity)
    where T : struct
{
    public readonly T?[] Values = new T?[capacity];

    public override async Task WriteAsync(ParquetRowGroupWriter rowGroup, int count, CancellationToken ct) =>
        await rowGroup.WriteAsync<T>(Field, Values.AsMemory(0, count), null, null, ct);
}

/// <summary>Strings as slices of one growing char arena per row group: no string object per cell.</summary>
internal sealed class TextColumn(DataField field, int capacity) : OutputColumn(field, capacity)
{
    private readonly ReadOnlyMemory<char>?[] _values = new ReadOnlyMemory<char>?[capacity];
    private char[] _arena = new char[capacity * 16];
    private int _used;

    public void SetNull(int row) => _values[row] = null;

    /// <summary>Reserves <paramref name="length"/> characters for <paramref name="row"/> and returns them to fill.</summary>
    public Span<char> Reserve(int row, int length)
    {
        if (_used + length > _arena.Length)
        {
            // Earlier slices keep pointing into the old arena, which stays alive through them.
            _arena = new char[Math.Max(_arena.Length, length * 2)];
            _used = 0;
        }

        var memory = _arena.AsMemory(_used, length);
        _values[row] = memory;
        _used += length;
        return _arena.AsSpan(_used - length, length);
    }

    public void Set(int row, ReadOnlySpan<char> text) => text.CopyTo(Reserve(row, text.Length));

    public override async Task WriteAsync(ParquetRowGroupWriter rowGroup, int count, CancellationToken ct)
    {
        await rowGroup.WriteAsync<ReadOnlyMemory<char>>(Field, _values.AsMemory(0, count), null, null, ct);
        _used = 0;
    }
}
