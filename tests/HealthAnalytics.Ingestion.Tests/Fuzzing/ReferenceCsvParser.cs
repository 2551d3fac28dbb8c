using System.Buffers;

namespace HealthAnalytics.Ingestion.Tests.Fuzzing;

/// <summary>What <see cref="CsvReading"/> drives: the production parser or the reference one.</summary>
internal interface IRecordParser
{
    bool BatchFull { get; }

    RowBatch Batch { get; }

    RowBatch Swap(RowBatch next);

    void Parse(ReadOnlySpan<byte> chunk);

    void Complete();
}

/// <summary>The production parser behind <see cref="IRecordParser"/>.</summary>
internal sealed class ProductionCsvParser(byte delimiter, IngestionOptions options) : IRecordParser
{
    private readonly CsvRecordParser _parser = new(delimiter, options, new RowBatch());

    public bool BatchFull => _parser.BatchFull;

    public RowBatch Batch => _parser.Batch;

    public RowBatch Swap(RowBatch next) => _parser.Swap(next);

    public void Parse(ReadOnlySpan<byte> chunk) => _parser.Parse(chunk);

    public void Complete() => _parser.Complete();
}

/// <summary>
/// The straightforward byte-at-a-time state machine <see cref="CsvRecordParser"/> replaced (one IndexOfAny and one
/// copy per field), kept as the oracle of the differential fuzz test: the production parser must produce the same
/// fields, start lines and rejections (rule and message) on every input and chunking.
/// </summary>
internal sealed class ReferenceCsvParser : IRecordParser
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
    private readonly SearchValues<byte> _unquoted;
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
    private bool _headerDone;
    private RowBatch _batch;

    public ReferenceCsvParser(byte delimiter, IngestionOptions options, RowBatch batch)
    {
        _delimiter = delimiter;
        _maxField = options.MaxFieldBytes;
        _maxRecord = options.MaxRecordBytes;
        _maxColumns = options.MaxColumns;
        _unquoted = SearchValues.Create([delimiter, (byte)'"', (byte)'\r', (byte)'\n']);
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
                case State.FieldStart:
                    if (chunk[i] == '"')
                    {
                        _state = State.Quoted;
                        _quoteLine = _line;
                        _quotedAfterCr = false;
                        i++;
                    }
                    else
                    {
                        _state = State.Unquoted;
                    }

                    break;

                case State.Unquoted:
                    {
                        var rest = chunk[i..];
                        var k = rest.IndexOfAny(_unquoted);
                        if (k < 0)
                        {
                            Append(rest);
                            i = n;
                            break;
                        }

                        if (k > 0)
                        {
                            Append(rest[..k]);
                        }

                        var b = rest[k];
                        i += k + 1;
                        if (b == _delimiter)
                        {
                            EndField();
                            _state = State.FieldStart;
                        }
                        else if (b is (byte)'\r' or (byte)'\n')
                        {
                            EndField();
                            _line++;
                            EndRecord();
                            _afterCr = b == '\r';
                            _state = State.FieldStart;
                        }
                        else
                        {
                            Append("\""u8);
                        }

                        break;
                    }

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
                            EndField();
                            _state = State.FieldStart;
                            i++;
                        }
                        else if (b is (byte)'\r' or (byte)'\n')
                        {
                            EndField();
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

        EndField();
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
        if (b.DataLength - _fieldStart > _maxField)
        {
            throw FileRejectedException.Of("field-too-large", $"a field of the record starting on line {_recordLine} is larger than {_maxField} bytes", _recordLine);
        }

        if (b.DataLength - _recordDataStart > _maxRecord)
        {
            throw FileRejectedException.Of("field-too-large", $"the record starting on line {_recordLine} is larger than {_maxRecord} bytes", _recordLine);
        }
    }

    private void EndField()
    {
        var b = _batch;
        _recordFields++;
        if (!_headerDone && _recordFields > _maxColumns)
        {
            throw FileRejectedException.Of("too-many-columns", $"the header has more than {_maxColumns} columns", 1);
        }

        // Fields beyond the column cap are counted (the row is quarantined for its field count) but not stored.
        if (_recordFields <= _maxColumns + 1)
        {
            if (b.FieldTotal == b.FieldStart.Length)
            {
                EnsureFields(b, b.FieldTotal + 1);
            }

            b.FieldStart[b.FieldTotal] = _fieldStart;
            b.FieldLength[b.FieldTotal] = b.DataLength - _fieldStart;
            b.FieldTotal++;
        }

        _fieldStart = b.DataLength;
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
}
