using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using HealthAnalytics.Ingestion;

namespace HealthAnalytics.Curated;

/// <summary>
/// A Parquet writer for flat, nullable columns, as engines expect them: per column chunk an optional dictionary
/// page and one v1 data page (definition levels as RLE/bit-packed runs; RLE_DICTIONARY indices when the values
/// repeat, else PLAIN values), compressed (ZSTD by default), with min/max/null-count statistics per column chunk
/// so readers skip row groups, and Thrift compact-protocol page headers and footer. Why not Parquet.Net: on this
/// workload its writer cost more per row than the whole cleaning (docs/benchmarks.md, "Hand-written components");
/// this writer starts from bytes that <see cref="OutputColumn"/> already holds in their PLAIN encoding, and encodes
/// and compresses a row group's columns in parallel. Its output is checked against Parquet.Net's and DuckDB's readers.
/// </summary>
internal sealed class ParquetFileWriter : IDisposable
{
    private static readonly byte[] Magic = "PAR1"u8.ToArray();
    private readonly List<(long Rows, long Bytes, long CompressedBytes, ChunkMeta[] Chunks)> _rowGroups = [];
    private readonly ThriftCompactWriter _thrift = new();
    private readonly Stream _output;
    private readonly IReadOnlyList<OutputColumn> _columns;
    private readonly ParquetCodec _codec;
    private ParquetChunkEncoder[] _encoders;
    private readonly ZstdCompressors _zstd;
    private long _position;

    public ParquetFileWriter(Stream output, IReadOnlyList<OutputColumn> columns, ParquetCodec codec = ParquetCodec.Zstd, int zstdLevel = DefaultZstdLevel)
    {
        _output = output;
        _columns = columns;
        _codec = codec;
        // One encoder (and its scratch buffers) per core rather than per column: the columns of a row group are
        // encoded a few at a time and written as soon as they are, so memory holds ~2 columns' pages, not ~20.
        _encoders = [.. Enumerable.Range(0, Math.Clamp(Environment.ProcessorCount, 1, 4)).Select(_ => new ParquetChunkEncoder())];
        _zstd = new ZstdCompressors(zstdLevel);
    }

    /// <summary>Zstandard level: 1 measured as the best size for the time on the curated columns (docs/benchmarks.md).</summary>
    public const int DefaultZstdLevel = 1;

    /// <summary>The codec named by <see cref="IngestionOptions.CuratedCompression"/>.</summary>
    public static ParquetCodec Codec(string name) => name switch
    {
        "snappy" => ParquetCodec.Snappy,
        "none" => ParquetCodec.Uncompressed,
        _ => ParquetCodec.Zstd,
    };

    public async Task StartAsync(CancellationToken ct)
    {
        await _output.WriteAsync(Magic, ct);
        _position = Magic.Length;
    }

    /// <summary>Writes every column's buffered rows as one row group, then resets the columns.</summary>
    public async Task WriteRowGroupAsync(CancellationToken ct)
    {
        var rows = _columns.Count == 0 ? 0 : _columns[0].Rows;
        if (rows == 0)
        {
            return;
        }

        var chunks = new ChunkMeta[_columns.Count];
        long groupBytes = 0, groupCompressed = 0;
        for (var c = 0; c < _columns.Count; c++)
        {
            var slot = c % _encoders.Length;
            if (slot == 0)
            {
                // Encoding and compression are most of a row group's cost: the next few columns are independent, so
                // the cores take them together (the pseudonym columns, the largest, come first and pair up).
                var first = c;
                var count = Math.Min(_encoders.Length, _columns.Count - c);
                if (count == 1)
                {
                    _encoders[0].Encode(_columns[c], _codec, _zstd);
                }
                else
                {
                    Parallel.For(0, count, new ParallelOptions { CancellationToken = ct }, k => _encoders[k].Encode(_columns[first + k], _codec, _zstd));
                }
            }

            var e = _encoders[slot];
            var start = _position;
            long uncompressed = 0;
            long? dictionaryOffset = null;
            if (e.DictionaryCount > 0)
            {
                dictionaryOffset = _position;
                _thrift.Reset();
                WriteDictionaryPageHeader(_thrift, e);
                uncompressed += await WritePageAsync(e.DictionaryPage, e.DictionaryUncompressed, ct);
            }

            var dataOffset = _position;
            _thrift.Reset();
            WriteDataPageHeader(_thrift, e);
            uncompressed += await WritePageAsync(e.DataPage, e.DataUncompressed, ct);
            chunks[c] = new ChunkMeta(start, dataOffset, dictionaryOffset, uncompressed, _position - start, rows, e.NullCount, e.DataEncoding, e.Min, e.Max);
            groupBytes += uncompressed;
            groupCompressed += _position - start;
            _columns[c].Reset();
        }

        _rowGroups.Add((rows, groupBytes, groupCompressed, chunks));
    }

    /// <summary>Writes the current page header and the page; returns the chunk's uncompressed bytes for it (header included).</summary>
    private async Task<long> WritePageAsync(ReadOnlyMemory<byte> page, int uncompressedBytes, CancellationToken ct)
    {
        var header = _thrift.Written;
        await _output.WriteAsync(header, ct);
        await _output.WriteAsync(page, ct);
        _position += header.Length + page.Length;
        return header.Length + uncompressedBytes;
    }

    public async Task FinishAsync(CancellationToken ct)
    {
        await WriteRowGroupAsync(ct);
        _thrift.Reset();
        WriteFileMetaData(_thrift);
        var footer = _thrift.Written;
        var tail = new byte[8];
        BinaryPrimitives.WriteInt32LittleEndian(tail, footer.Length);
        Magic.CopyTo(tail, 4);
        await _output.WriteAsync(footer, ct);
        await _output.WriteAsync(tail, ct);
        _position += footer.Length + tail.Length;
    }

    public void Dispose()
    {
        _zstd.Dispose();
        _encoders = []; // their page buffers (MBs each) go now, not when the last reference to the writer does
    }

    private static void WriteDictionaryPageHeader(ThriftCompactWriter t, ParquetChunkEncoder e)
    {
        t.FieldI32(1, 2); // type: DICTIONARY_PAGE
        t.FieldI32(2, e.DictionaryUncompressed);
        t.FieldI32(3, e.DictionaryPage.Length);
        t.FieldStructBegin(7); // dictionary_page_header
        t.FieldI32(1, e.DictionaryCount); // num_values
        t.FieldI32(2, 0); // encoding: PLAIN
        t.StructEnd();
        t.StructEnd();
    }

    private static void WriteDataPageHeader(ThriftCompactWriter t, ParquetChunkEncoder e)
    {
        t.FieldI32(1, 0); // type: DATA_PAGE
        t.FieldI32(2, e.DataUncompressed); // uncompressed_page_size
        t.FieldI32(3, e.DataPage.Length); // compressed_page_size
        t.FieldStructBegin(5); // data_page_header
        t.FieldI32(1, e.Rows); // num_values (nulls included)
        t.FieldI32(2, e.DataEncoding); // encoding: RLE_DICTIONARY, DELTA_LENGTH_BYTE_ARRAY or PLAIN
        t.FieldI32(3, 3); // definition_level_encoding: RLE
        t.FieldI32(4, 3); // repetition_level_encoding: RLE (none present)
        t.StructEnd();
        t.StructEnd();
    }

    private void WriteFileMetaData(ThriftCompactWriter t)
    {
        t.FieldI32(1, 1); // version
        t.FieldListBegin(2, ThriftCompactWriter.Struct, _columns.Count + 1); // schema
        t.ElementStructBegin();
        t.FieldString(4, "schema");
        t.FieldI32(5, _columns.Count); // num_children
        t.StructEnd();
        foreach (var column in _columns)
        {
            t.ElementStructBegin();
            t.FieldI32(1, PhysicalType(column.Kind));
            t.FieldI32(3, 1); // repetition: OPTIONAL
            t.FieldString(4, column.Name);
            switch (column.Kind)
            {
                case OutputKind.String:
                    t.FieldI32(6, 0); // converted_type: UTF8
                    t.FieldStructBegin(10); // logicalType
                    t.FieldStructBegin(1); // STRING
                    t.StructEnd();
                    t.StructEnd();
                    break;
                case OutputKind.Date:
                    t.FieldI32(6, 6); // DATE
                    t.FieldStructBegin(10);
                    t.FieldStructBegin(6); // DATE
                    t.StructEnd();
                    t.StructEnd();
                    break;
                case OutputKind.Timestamp:
                    t.FieldI32(6, 10); // TIMESTAMP_MICROS
                    t.FieldStructBegin(10);
                    t.FieldStructBegin(8); // TIMESTAMP
                    t.FieldBool(1, true); // isAdjustedToUTC
                    t.FieldStructBegin(2); // unit
                    t.FieldStructBegin(2); // MICROS
                    t.StructEnd();
                    t.StructEnd();
                    t.StructEnd();
                    t.StructEnd();
                    break;
                default:
                    break;
            }

            t.StructEnd();
        }

        t.FieldI64(3, _rowGroups.Sum(g => g.Rows)); // num_rows
        t.FieldListBegin(4, ThriftCompactWriter.Struct, _rowGroups.Count);
        foreach (var (rows, bytes, compressed, chunks) in _rowGroups)
        {
            t.ElementStructBegin();
            t.FieldListBegin(1, ThriftCompactWriter.Struct, chunks.Length);
            for (var c = 0; c < chunks.Length; c++)
            {
                var m = chunks[c];
                t.ElementStructBegin();
                t.FieldI64(2, m.Offset); // file_offset
                t.FieldStructBegin(3); // meta_data
                t.FieldI32(1, PhysicalType(_columns[c].Kind));
                t.FieldListBegin(2, ThriftCompactWriter.I32, m.Encoding == 0 ? 2 : 3); // encodings
                t.ElementI32(0); // PLAIN (values or the dictionary page)
                t.ElementI32(3); // RLE (definition levels)
                if (m.Encoding != 0)
                {
                    t.ElementI32(m.Encoding); // RLE_DICTIONARY or DELTA_LENGTH_BYTE_ARRAY
                }

                t.FieldListBegin(3, ThriftCompactWriter.Binary, 1); // path_in_schema
                t.ElementString(_columns[c].Name);
                t.FieldI32(4, (int)_codec); // codec
                t.FieldI64(5, m.Values);
                t.FieldI64(6, m.Uncompressed); // total_uncompressed_size
                t.FieldI64(7, m.Compressed); // total_compressed_size
                t.FieldI64(9, m.DataOffset); // data_page_offset
                if (m.DictionaryOffset is { } dictionaryOffset)
                {
                    t.FieldI64(11, dictionaryOffset); // dictionary_page_offset
                }

                t.FieldStructBegin(12); // statistics
                t.FieldI64(3, m.NullCount); // null_count
                if (m.Min is { } min && m.Max is { } max)
                {
                    t.FieldBinary(5, max); // max_value
                    t.FieldBinary(6, min); // min_value
                }

                t.StructEnd();
                t.StructEnd();
                t.StructEnd();
            }

            t.FieldI64(2, bytes); // total_byte_size (uncompressed)
            t.FieldI64(3, rows); // num_rows
            t.FieldI64(5, chunks.Length > 0 ? chunks[0].Offset : 0); // file_offset
            t.FieldI64(6, compressed); // total_compressed_size
            t.StructEnd();
        }

        t.FieldString(6, "HealthAnalytics ingestion");

        // column_orders: every column in its type's order, which tells readers that min_value/max_value are usable.
        t.FieldListBegin(7, ThriftCompactWriter.Struct, _columns.Count);
        for (var c = 0; c < _columns.Count; c++)
        {
            t.ElementStructBegin();
            t.FieldStructBegin(1); // TYPE_ORDER
            t.StructEnd();
            t.StructEnd();
        }

        t.StructEnd();
    }

    private static int PhysicalType(OutputKind kind) => kind switch
    {
        OutputKind.Boolean => 0,
        OutputKind.Int32 or OutputKind.Date => 1,
        OutputKind.Timestamp => 2,
        OutputKind.Double => 5,
        _ => 6, // BYTE_ARRAY
    };

    private readonly record struct ChunkMeta(
        long Offset, long DataOffset, long? DictionaryOffset, long Uncompressed, long Compressed, long Values, long NullCount, int Encoding, byte[]? Min, byte[]? Max);
}

/// <summary>The Thrift compact protocol, only as much as Parquet metadata needs.</summary>
internal sealed class ThriftCompactWriter
{
    public const byte I32 = 5;
    public const byte Binary = 8;
    public const byte Struct = 12;
    private const byte BoolTrue = 1;
    private const byte BoolFalse = 2;
    private const byte I64 = 6;
    private readonly ArrayBufferWriter<byte> _buffer = new(4096);
    private readonly Stack<short> _lastField = new();
    private short _last;

    public ReadOnlyMemory<byte> Written => _buffer.WrittenMemory;

    public void Reset()
    {
        _buffer.ResetWrittenCount();
        _lastField.Clear();
        _last = 0;
    }

    public void FieldI32(short id, int value)
    {
        FieldHeader(id, I32);
        VarInt(ZigZag(value));
    }

    public void FieldI64(short id, long value)
    {
        FieldHeader(id, I64);
        VarInt(ZigZag(value));
    }

    public void FieldBool(short id, bool value) => FieldHeader(id, value ? BoolTrue : BoolFalse);

    public void FieldString(short id, string value)
    {
        FieldHeader(id, Binary);
        ElementString(value);
    }

    public void FieldStructBegin(short id)
    {
        FieldHeader(id, Struct);
        ElementStructBegin();
    }

    public void ElementStructBegin()
    {
        _lastField.Push(_last);
        _last = 0;
    }

    public void StructEnd()
    {
        Byte(0);
        _last = _lastField.Count > 0 ? _lastField.Pop() : (short)0;
    }

    public void FieldListBegin(short id, byte elementType, int size)
    {
        FieldHeader(id, 9);
        if (size < 15)
        {
            Byte((byte)((size << 4) | elementType));
        }
        else
        {
            Byte((byte)(0xF0 | elementType));
            VarInt((ulong)size);
        }
    }

    public void ElementI32(int value) => VarInt(ZigZag(value));

    public void FieldBinary(short id, ReadOnlySpan<byte> value)
    {
        FieldHeader(id, Binary);
        VarInt((ulong)value.Length);
        _buffer.Write(value);
    }

    public void ElementString(string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        VarInt((ulong)bytes.Length);
        _buffer.Write(bytes);
    }

    private void FieldHeader(short id, byte type)
    {
        var delta = id - _last;
        if (delta is > 0 and <= 15)
        {
            Byte((byte)((delta << 4) | type));
        }
        else
        {
            Byte(type);
            VarInt(ZigZag(id));
        }

        _last = id;
    }

    private static ulong ZigZag(long value) => (ulong)((value << 1) ^ (value >> 63));

    private void VarInt(ulong value)
    {
        while (value >= 0x80)
        {
            Byte((byte)(value | 0x80));
            value >>= 7;
        }

        Byte((byte)value);
    }

    private void Byte(byte value)
    {
        _buffer.GetSpan(1)[0] = value;
        _buffer.Advance(1);
    }
}
