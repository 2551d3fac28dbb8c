using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace HealthAnalytics.Ingestion;

/// <summary>
/// A batch of parsed records: every field's (unescaped) UTF-8 bytes copied into one buffer plus offsets. Bytes
/// between fields (delimiters) may remain in the buffer: read fields only
/// through <see cref="FieldStart"/> and <see cref="FieldLength"/>.
/// Owned by one stage at a time (parser → cleaner), then recycled.
/// </summary>
internal sealed class RowBatch
{
    // Small at first and grown by doubling (batches are recycled, so a large file grows each one once): a small
    // upload then does not allocate ~1.6 MB of large-object-heap arrays it never fills.
    public byte[] Data = new byte[1 << 14];
    public int DataLength;
    public int[] FieldStart = new int[1 << 10];
    public int[] FieldLength = new int[1 << 10];
    public int FieldTotal;
    public int[] RecordFirstField = new int[64];
    public int[] RecordFieldCount = new int[64];
    public long[] RecordLine = new long[64];
    public bool[] RecordHasNul = new bool[64];
    public int RecordCount;

    public void Reset()
    {
        DataLength = 0;
        FieldTotal = 0;
        RecordCount = 0;
    }

    public ReadOnlySpan<byte> Field(int field) => Data.AsSpan(FieldStart[field], FieldLength[field]);
}

/// <summary>
/// RFC 4180 over UTF-8 bytes (all structural characters are ASCII, so parsing bytes is exact): quoted
/// fields with delimiters, <c>""</c> and line breaks; CRLF, LF, CR mixed; optional final newline.
/// Tracks the 1-based physical line where each record starts. Lenient where RFC 4180 is silent
/// (a quote inside an unquoted field, text after a closing quote are kept as data).
/// </summary>
internal sealed class CsvRecordParser
{
    private enum State
    {
        FieldStart,
        Unquoted,
        Quoted,
        QuoteInQuoted,
    }

    // A batch is handed over once it holds this many records or bytes, checked after each input chunk (128 KiB),
    // so a batch never holds more than these plus one chunk: a recycled RowBatch grows to that once, then stops.
    private const int RecordsPerBatch = 2048;
    private const int BytesPerBatch = 512 * 1024;
    private readonly byte _delimiter;
    private readonly int _maxField;
    private readonly int _maxRecord;
    private readonly int _maxColumns;
    private readonly SearchValues<byte> _quoted = SearchValues.Create("\"\r\n"u8);
    private State _state = State.FieldStart;
    private bool _afterCr;
    private bool _quotedAfterCr;
    private long _line = 1;
    private long _recordLine = 1;
    private long _quoteLine;
    private int _fieldStart;
    private int _recordDataStart;
    private int _recordFirstField;
    private int _recordFields;
    private int _recordBytes;
    private bool _headerDone;
    private RowBatch _batch;

    public CsvRecordParser(byte delimiter, IngestionOptions options, RowBatch batch)
    {
        _delimiter = delimiter;
        _maxField = options.MaxFieldBytes;
        _maxRecord = options.MaxRecordBytes;
        _maxColumns = options.MaxColumns;
        _batch = batch;
    }

    /// <summary>True when the current batch holds enough records to hand over.</summary>
    public bool BatchFull => _batch.RecordCount >= RecordsPerBatch || _recordDataStart > BytesPerBatch;

    public RowBatch Batch => _batch;

    /// <summary>Hands the full batch over and continues in <paramref name="next"/>, moving the record in progress.</summary>
    public RowBatch Swap(RowBatch next)
    {
        var full = _batch;
        next.Reset();
        var pendingBytes = full.DataLength - _recordDataStart;
        EnsureData(next, pendingBytes);
        full.Data.AsSpan(_recordDataStart, pendingBytes).CopyTo(next.Data);
        next.DataLength = pendingBytes;
        var pendingFields = full.FieldTotal - _recordFirstField;
        EnsureFields(next, pendingFields + 1);
        for (var i = 0; i < pendingFields; i++)
        {
            next.FieldStart[i] = full.FieldStart[_recordFirstField + i] - _recordDataStart;
            next.FieldLength[i] = full.FieldLength[_recordFirstField + i];
        }

        next.FieldTotal = pendingFields;
        _fieldStart -= _recordDataStart;
        full.DataLength = _recordDataStart;
        full.FieldTotal = _recordFirstField;
        _recordDataStart = 0;
        _recordFirstField = 0;
        _batch = next;
        return full;
    }

    public void Parse(ReadOnlySpan<byte> chunk)
    {
        var i = 0;
        var n = chunk.Length;
        while (i < n)
        {
            if (_afterCr)
            {
                _afterCr = false;
                if (chunk[i] == '\n')
                {
                    i++;
                    continue;
                }
            }

            switch (_state)
            {
                case State.FieldStart or State.Unquoted:
                    i = ParseUnquoted(chunk, i);
                    break;

                case State.Quoted:
                    {
                        var rest = chunk[i..];
                        var k = rest.IndexOfAny(_quoted);
                        if (k < 0)
                        {
                            Append(rest);
                            _quotedAfterCr = false;
                            i = n;
                            break;
                        }

                        if (k > 0)
                        {
                            Append(rest[..k]);
                            _quotedAfterCr = false;
                        }

                        var b = rest[k];
                        i += k + 1;
                        if (b == '"')
                        {
                            _state = State.QuoteInQuoted;
                        }
                        else
                        {
                            if (b == '\r' || !_quotedAfterCr)
                            {
                                _line++;
                            }

                            _quotedAfterCr = b == '\r';
                            Append(rest.Slice(k, 1));
                        }

                        break;
                    }

                case State.QuoteInQuoted:
                    {
                        var b = chunk[i];
                        if (b == '"')
                        {
                            Append("\""u8);
                            _state = State.Quoted;
                            _quotedAfterCr = false;
                            i++;
                        }
                        else if (b == _delimiter)
                        {
                            EndField(_batch.DataLength);
                            _fieldStart = _batch.DataLength;
                            _state = State.FieldStart;
                            i++;
                        }
                        else if (b is (byte)'\r' or (byte)'\n')
                        {
                            EndField(_batch.DataLength);
                            _line++;
                            EndRecord();
                            _afterCr = b == '\r';
                            _state = State.FieldStart;
                            i++;
                        }
                        else
                        {
                            _state = State.Unquoted;
                        }

                        break;
                    }
            }
        }
    }

    /// <summary>
    /// Unquoted fields, the bulk of any file, from <paramref name="i"/> (state FieldStart or Unquoted) until a quoted
    /// field opens or the chunk ends. Structural bytes are found 64 at a time (a bit mask per block), and bytes are
    /// not copied field by field: the run since the record start is copied once, at the record end (or where a quoted
    /// field or the chunk interrupts it), so delimiters stay in <see cref="RowBatch.Data"/> between fields, which
    /// only ever address their bytes through FieldStart/FieldLength.
    /// </summary>
    /// <returns>Where the slow state machine continues: after an opening quote, or the chunk's end.</returns>
    private int ParseUnquoted(ReadOnlySpan<byte> chunk, int i)
    {
        var n = chunk.Length;
        var runStart = i;                  // first chunk byte not yet copied into Data...
        var dataBase = _batch.DataLength;  // ...and where it goes
        var freshField = _state == State.FieldStart ? i : -1; // where a field that may still open with a quote starts
        var blockAt = i;
        var mask = SpecialMask(chunk, blockAt);
        while (true)
        {
            while (mask == 0)
            {
                blockAt += 64;
                if (blockAt >= n)
                {
                    Flush(chunk, runStart, n, dataBase);
                    _state = freshField == n ? State.FieldStart : State.Unquoted;
                    return n;
                }

                mask = SpecialMask(chunk, blockAt);
            }

            var k = blockAt + BitOperations.TrailingZeroCount(mask);
            mask &= mask - 1;
            var c = chunk[k];
            if (c == _delimiter)
            {
                EndField(dataBase + k - runStart);
                _fieldStart = dataBase + k + 1 - runStart;
                freshField = k + 1;
            }
            else if (c == '"')
            {
                if (k == freshField)
                {
                    Flush(chunk, runStart, k, dataBase);

                    // The usual quoted field (an address with commas) inline: no quote, CR or LF inside, and closed
                    // in this chunk right before a delimiter or line end. Anything else takes the state machine.
                    var content = chunk[(k + 1)..];
                    var close = content.IndexOfAny((byte)'"', (byte)'\r', (byte)'\n');
                    if (close >= 0 && content[close] == '"' && close + 1 < content.Length &&
                        (content[close + 1] == _delimiter || content[close + 1] is (byte)'\r' or (byte)'\n'))
                    {
                        Append(content[..close]);
                        runStart = k + 2 + close;
                        dataBase = _batch.DataLength;
                        freshField = -1;
                        blockAt = runStart;
                        mask = SpecialMask(chunk, blockAt);
                        continue;
                    }

                    _state = State.Quoted;
                    _quoteLine = _line;
                    _quotedAfterCr = false;
                    return k + 1;
                }

                // A quote inside an unquoted field is data (lenient), already part of the run.
            }
            else
            {
                Flush(chunk, runStart, k, dataBase);
                EndField(_batch.DataLength);
                _line++;
                EndRecord();
                var next = k + 1;
                if (c == '\r')
                {
                    if (next == n)
                    {
                        _afterCr = true;
                    }
                    else if (chunk[next] == '\n')
                    {
                        // The LF is the next set bit: drop it, or start over past it when it opens the next block.
                        next++;
                        if (next - blockAt < 64)
                        {
                            mask &= mask - 1;
                        }
                        else
                        {
                            blockAt = next;
                            mask = next < n ? SpecialMask(chunk, next) : 0;
                        }
                    }
                }

                runStart = next;
                dataBase = _batch.DataLength;
                freshField = next;
            }
        }
    }

    /// <summary>Copies the pending run chunk[from..to) to Data at <paramref name="dataBase"/>, checking the size limits of the field in progress.</summary>
    private void Flush(ReadOnlySpan<byte> chunk, int from, int to, int dataBase)
    {
        var b = _batch;
        var end = dataBase + (to - from);
        if (end > b.Data.Length)
        {
            EnsureData(b, end);
        }

        chunk[from..to].CopyTo(b.Data.AsSpan(dataBase));
        b.DataLength = end;
        CheckSizes(end - _fieldStart);
    }

    /// <summary>Bit j set when chunk[at + j] is a delimiter, quote, CR or LF (bytes past the chunk count as none).</summary>
    private ulong SpecialMask(ReadOnlySpan<byte> chunk, int at)
    {
        if (chunk.Length - at < 64)
        {
            return SpecialMaskTail(chunk[at..]);
        }

        ref var p = ref Unsafe.Add(ref MemoryMarshal.GetReference(chunk), at);
        if (Vector256.IsHardwareAccelerated)
        {
            var d = Vector256.Create(_delimiter);
            var lo = Vector256.LoadUnsafe(ref p);
            var hi = Vector256.LoadUnsafe(ref p, 32);
            var mlo = Vector256.Equals(lo, d) | Vector256.Equals(lo, Vector256.Create((byte)'"')) | Vector256.Equals(lo, Vector256.Create((byte)'\r')) | Vector256.Equals(lo, Vector256.Create((byte)'\n'));
            var mhi = Vector256.Equals(hi, d) | Vector256.Equals(hi, Vector256.Create((byte)'"')) | Vector256.Equals(hi, Vector256.Create((byte)'\r')) | Vector256.Equals(hi, Vector256.Create((byte)'\n'));
            return mlo.ExtractMostSignificantBits() | ((ulong)mhi.ExtractMostSignificantBits() << 32);
        }

        ulong mask = 0;
        var d128 = Vector128.Create(_delimiter);
        for (var j = 0; j < 64; j += 16)
        {
            var v = Vector128.LoadUnsafe(ref p, (nuint)j);
            var m = Vector128.Equals(v, d128) | Vector128.Equals(v, Vector128.Create((byte)'"')) | Vector128.Equals(v, Vector128.Create((byte)'\r')) | Vector128.Equals(v, Vector128.Create((byte)'\n'));
            mask |= (ulong)m.ExtractMostSignificantBits() << j;
        }

        return mask;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private ulong SpecialMaskTail(ReadOnlySpan<byte> tail)
    {
        ulong mask = 0;
        for (var j = 0; j < tail.Length; j++)
        {
            var c = tail[j];
            if (c == _delimiter || c is (byte)'"' or (byte)'\r' or (byte)'\n')
            {
                mask |= 1UL << j;
            }
        }

        return mask;
    }

    /// <summary>End of input: closes the last record (the final newline is optional).</summary>
    public void Complete()
    {
        if (_state == State.Quoted)
        {
            throw FileRejectedException.Of("unterminated-quote", $"a quoted field starting on line {_quoteLine} is never closed", _quoteLine);
        }

        if (_state == State.FieldStart && _recordFields == 0 && _batch.DataLength == _recordDataStart)
        {
            return;
        }

        EndField(_batch.DataLength);
        EndRecord();
    }

    private void Append(ReadOnlySpan<byte> bytes)
    {
        var b = _batch;
        if (b.DataLength + bytes.Length > b.Data.Length)
        {
            EnsureData(b, b.DataLength + bytes.Length);
        }

        bytes.CopyTo(b.Data.AsSpan(b.DataLength));
        b.DataLength += bytes.Length;
        CheckSizes(b.DataLength - _fieldStart);
    }

    /// <summary>The size limits, given the bytes of the field in progress (the record's are its ended fields' plus these).</summary>
    private void CheckSizes(int fieldBytes)
    {
        if (fieldBytes > _maxField)
        {
            throw FileRejectedException.Of("field-too-large", $"a field of the record starting on line {_recordLine} is larger than {_maxField} bytes", _recordLine);
        }

        if (_recordBytes + fieldBytes > _maxRecord)
        {
            throw FileRejectedException.Of("field-too-large", $"the record starting on line {_recordLine} is larger than {_maxRecord} bytes", _recordLine);
        }
    }

    /// <summary>Ends the field in progress at Data offset <paramref name="end"/> (the caller sets where the next one starts).</summary>
    private void EndField(int end)
    {
        var b = _batch;
        var length = end - _fieldStart;
        if (length > _maxField || _recordBytes + length > _maxRecord)
        {
            CheckSizes(length);
        }

        _recordBytes += length;
        var fields = ++_recordFields;
        if (fields > _maxColumns && !_headerDone)
        {
            throw FileRejectedException.Of("too-many-columns", $"the header has more than {_maxColumns} columns", 1);
        }

        // Fields beyond the column cap are counted (the row is quarantined for its field count) but not stored.
        if (fields <= _maxColumns + 1)
        {
            var t = b.FieldTotal;
            if (t == b.FieldStart.Length)
            {
                EnsureFields(b, t + 1);
            }

            b.FieldStart[t] = _fieldStart;
            b.FieldLength[t] = length;
            b.FieldTotal = t + 1;
        }
    }

    private void EndRecord()
    {
        var b = _batch;
        if (b.RecordCount == b.RecordFirstField.Length)
        {
            var size = b.RecordCount * 2;
            Array.Resize(ref b.RecordFirstField, size);
            Array.Resize(ref b.RecordFieldCount, size);
            Array.Resize(ref b.RecordLine, size);
            Array.Resize(ref b.RecordHasNul, size);
        }

        var r = b.RecordCount++;
        b.RecordFirstField[r] = _recordFirstField;
        b.RecordFieldCount[r] = _recordFields;
        b.RecordLine[r] = _recordLine;
        b.RecordHasNul[r] = b.Data.AsSpan(_recordDataStart, b.DataLength - _recordDataStart).Contains((byte)0);
        _headerDone = true;
        _recordFields = 0;
        _recordBytes = 0;
        _recordFirstField = b.FieldTotal;
        _recordDataStart = b.DataLength;
        _fieldStart = b.DataLength;
        _recordLine = _line;
    }

    private static void EnsureData(RowBatch b, int needed)
    {
        if (needed > b.Data.Length)
        {
            Array.Resize(ref b.Data, Math.Max(needed, b.Data.Length * 2));
        }
    }

    private static void EnsureFields(RowBatch b, int needed)
    {
        if (needed > b.FieldStart.Length)
        {
            var size = Math.Max(needed, b.FieldStart.Length * 2);
            Array.Resize(ref b.FieldStart, size);
            Array.Resize(ref b.FieldLength, size);
        }
    }

    /// <summary>
    /// Delimiter sniffing on the header line: the most frequent of <c>,</c> <c>;</c> tab outside quotes;
    /// ties prefer <c>,</c>.
    /// </summary>
    public static byte Sniff(ReadOnlySpan<byte> start)
    {
        int comma = 0, semicolon = 0, tab = 0;
        var quoted = false;
        foreach (var b in start)
        {
            if (b == '"')
            {
                quoted = !quoted;
            }
            else if (!quoted && b is (byte)'\r' or (byte)'\n')
            {
                break;
            }
            else if (!quoted)
            {
                switch (b)
                {
                    case (byte)',': comma++; break;
                    case (byte)';': semicolon++; break;
                    case (byte)'\t': tab++; break;
                    default: break;
                }
            }
        }

        if (comma >= semicolon && comma >= tab)
        {
            return (byte)',';
        }

        return semicolon >= tab ? (byte)';' : (byte)'\t';
    }
}
