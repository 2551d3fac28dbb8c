using System.Buffers.Binary;

namespace HealthAnalytics.Curated;

internal enum OutputKind
{
    String,
    Int32,
    Double,
    Boolean,
    Date,
    Timestamp,
}

/// <summary>
/// One curated column's values for the current row group, already in Parquet PLAIN encoding (the bytes
/// of the data page): no object per cell, no second copy. Rows are appended in order; every committed
/// row appends exactly one value (or a null) to every output column.
/// </summary>
internal sealed class OutputColumn(string name, OutputKind kind)
{
    private static readonly DateOnly Epoch = new(1970, 1, 1);
    private byte[] _values = new byte[1 << 16];
    private int _valueBytes;
    private byte[] _defined = new byte[1 << 13];
    private int _rows;
    private int _nonNull;

    public string Name { get; } = name;

    public OutputKind Kind { get; } = kind;

    public int Rows => _rows;

    public int NonNull => _nonNull;

    /// <summary>PLAIN-encoded non-null values (booleans bit-packed).</summary>
    public ReadOnlyMemory<byte> Values => _values.AsMemory(0, Kind == OutputKind.Boolean ? (_nonNull + 7) / 8 : _valueBytes);

    /// <summary>One bit per row (LSB first): 1 = defined, 0 = null.</summary>
    public ReadOnlySpan<byte> Defined => _defined.AsSpan(0, (_rows + 7) / 8);

    public void AppendNull() => NextRow(false);

    /// <summary>Drops the buffers (the column starts empty again): a finished run does not keep a row group's worth.</summary>
    public void Release()
    {
        _values = [];
        _defined = [];
        _valueBytes = _rows = _nonNull = 0;
    }

    public void AppendInt32(int value) => BinaryPrimitives.WriteInt32LittleEndian(Reserve(4), value);

    public void AppendDouble(double value) => BinaryPrimitives.WriteDoubleLittleEndian(Reserve(8), value);

    public void AppendDate(DateOnly value) => AppendInt32(value.DayNumber - Epoch.DayNumber);

    /// <summary>Microseconds since the Unix epoch (UTC).</summary>
    public void AppendTimestamp(DateTime value) =>
        BinaryPrimitives.WriteInt64LittleEndian(Reserve(8), (value.ToUniversalTime().Ticks - DateTime.UnixEpoch.Ticks) / 10);

    public void AppendBoolean(bool value)
    {
        var bit = _nonNull;
        NextRow(true);
        EnsureValues((bit / 8) + 1);
        if (bit % 8 == 0)
        {
            _values[bit / 8] = 0;
        }

        if (value)
        {
            _values[bit / 8] |= (byte)(1 << (bit % 8));
        }
    }

    /// <summary>Appends a UTF-8 string as a 4-byte length and its bytes.</summary>
    public void AppendString(ReadOnlySpan<byte> utf8)
    {
        NextRow(true);
        EnsureValues(_valueBytes + 4 + utf8.Length);
        BinaryPrimitives.WriteInt32LittleEndian(_values.AsSpan(_valueBytes), utf8.Length);
        utf8.CopyTo(_values.AsSpan(_valueBytes + 4));
        _valueBytes += 4 + utf8.Length;
    }

    /// <summary>Appends every row of <paramref name="batch"/> (a batch's encoded rows) after this column's rows.</summary>
    public void Append(OutputColumn batch)
    {
        if (Kind == OutputKind.Boolean)
        {
            EnsureValues((_nonNull + batch._nonNull + 7) / 8 + 1);
            AppendBits(_values, _nonNull, batch._values, batch._nonNull);
        }
        else
        {
            EnsureValues(_valueBytes + batch._valueBytes);
            batch._values.AsSpan(0, batch._valueBytes).CopyTo(_values.AsSpan(_valueBytes));
            _valueBytes += batch._valueBytes;
        }

        if ((_rows + batch._rows + 7) / 8 + 1 > _defined.Length)
        {
            Array.Resize(ref _defined, Math.Max(_defined.Length * 2, (_rows + batch._rows + 7) / 8 + 1));
        }

        AppendBits(_defined, _rows, batch._defined, batch._rows);
        _rows += batch._rows;
        _nonNull += batch._nonNull;
    }

    /// <summary>
    /// Copies <paramref name="count"/> bits (LSB first) after the first <paramref name="at"/> bits of
    /// <paramref name="target"/>. Bits past the end of either bitmap are zero (every writer clears a byte before its first bit).
    /// </summary>
    private static void AppendBits(byte[] target, int at, byte[] source, int count)
    {
        var bytes = (count + 7) / 8;
        var shift = at % 8;
        var t = at / 8;
        if (shift == 0)
        {
            source.AsSpan(0, bytes).CopyTo(target.AsSpan(t));
            return;
        }

        for (var i = 0; i < bytes; i++)
        {
            var b = source[i];
            target[t + i] |= (byte)(b << shift);
            target[t + i + 1] = (byte)(b >> (8 - shift));
        }
    }

    public void Reset()
    {
        _rows = 0;
        _nonNull = 0;
        _valueBytes = 0;
    }

    private Span<byte> Reserve(int bytes)
    {
        NextRow(true);
        EnsureValues(_valueBytes + bytes);
        var span = _values.AsSpan(_valueBytes, bytes);
        _valueBytes += bytes;
        return span;
    }

    private void NextRow(bool defined)
    {
        var row = _rows++;
        if (row / 8 >= _defined.Length)
        {
            Array.Resize(ref _defined, Math.Max(16, _defined.Length * 2)); // empty after Release
        }

        if (row % 8 == 0)
        {
            _defined[row / 8] = 0;
        }

        if (defined)
        {
            _defined[row / 8] |= (byte)(1 << (row % 8));
            _nonNull++;
        }
    }

    private void EnsureValues(int bytes)
    {
        if (bytes > _values.Length)
        {
            Array.Resize(ref _values, Math.Max(bytes, _values.Length * 2));
        }
    }
}
