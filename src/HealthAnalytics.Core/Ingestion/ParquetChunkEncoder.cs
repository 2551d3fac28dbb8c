using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Numerics;
using System.Runtime.InteropServices;
using ZstdSharp;
using HealthAnalytics.Curated;

namespace HealthAnalytics.Ingestion;

/// <summary>Parquet compression codecs the curated writer can use (values are Parquet's <c>CompressionCodec</c>).</summary>
internal enum ParquetCodec
{
    Uncompressed = 0,
    Snappy = 1,
    Zstd = 6,
}

/// <summary>
/// Encodes one column chunk of a row group from an <see cref="OutputColumn"/>'s PLAIN values: definition levels,
/// a dictionary page and RLE_DICTIONARY indices when the values repeat (else PLAIN values), min/max/null-count
/// statistics, and the pages compressed with the chosen codec. One encoder per core, reused across columns and
/// row groups so its buffers are allocated once; encoders of different columns run in parallel.
/// </summary>
internal sealed class ParquetChunkEncoder
{
    /// <summary>A dictionary larger than this is abandoned (the page would not stay in a reader's cache).</summary>
    internal const int MaxDictionaryBytes = 1 << 20;

    /// <summary>Values looked at before a column whose values are nearly all distinct is written PLAIN.</summary>
    private const int SampleValues = 4096;

    /// <summary>
    /// Probes of the dictionary hash table after which the dictionary is abandoned: a bound on the work a crafted
    /// set of colliding values could cause (the hash is randomized per process, so this should never trigger).
    /// </summary>
    private const int MaxProbes = 64;

    /// <summary>String statistics longer than this are not written (a reader cannot use a 1 MiB min value anyway).</summary>
    private const int MaxStatisticsBytes = 128;

    private byte[] _page = new byte[1 << 12];
    private byte[] _dictionary = new byte[1 << 12];
    private byte[] _compressedPage = [];
    private byte[] _compressedDictionary = [];
    private int[] _slots = new int[1024];
    private int[] _entryStart = new int[256];
    private int[] _entryLength = new int[256];
    private int[] _indices = [];

    public OutputKind Kind { get; private set; }

    public int Rows { get; private set; }

    public long NullCount { get; private set; }

    /// <summary>The data page's value encoding: RLE_DICTIONARY (8), DELTA_LENGTH_BYTE_ARRAY (6) or PLAIN (0).</summary>
    public int DataEncoding => DictionaryCount > 0 ? 8 : Kind == OutputKind.String && Rows > NullCount ? 6 : 0;

    /// <summary>Dictionary entries (0 when the chunk is not dictionary-encoded).</summary>
    public int DictionaryCount { get; private set; }

    public int DictionaryUncompressed { get; private set; }

    public ReadOnlyMemory<byte> DictionaryPage { get; private set; }

    public int DataUncompressed { get; private set; }

    public ReadOnlyMemory<byte> DataPage { get; private set; }

    /// <summary>Statistics in Parquet's plain encoding of one value (little-endian; raw bytes for strings), or null.</summary>
    public byte[]? Min { get; private set; }

    public byte[]? Max { get; private set; }

    public void Encode(OutputColumn column, ParquetCodec codec, ZstdCompressors zstd)
    {
        Kind = column.Kind;
        Rows = column.Rows;
        var nonNull = column.NonNull;
        NullCount = Rows - nonNull;
        var values = column.Values.Span;
        DictionaryCount = 0;
        Min = Max = null;

        // Worst case of the page body: levels, then either the values or a width byte and bit-packed indices.
        var levelsMax = 4 + (((Rows + 503) / 504) * 2) + ((Rows + 7) / 8) + 16;
        Ensure(ref _page, levelsMax + Math.Max(values.Length, nonNull * 4) + (nonNull / 8) + 64);
        var at = EncodeLevels(column.Defined, Rows, nonNull, _page);

        if (nonNull > 0 && Kind != OutputKind.Boolean && TryDictionary(values, nonNull))
        {
            var dictionaryBytes = 0;
            for (var e = 0; e < DictionaryCount; e++)
            {
                dictionaryBytes += _entryLength[e];
            }

            Ensure(ref _dictionary, dictionaryBytes);
            var d = 0;
            for (var e = 0; e < DictionaryCount; e++)
            {
                values.Slice(_entryStart[e], _entryLength[e]).CopyTo(_dictionary.AsSpan(d));
                d += _entryLength[e];
            }

            DictionaryUncompressed = d;
            var width = DictionaryCount <= 1 ? 1 : BitOperations.Log2((uint)(DictionaryCount - 1)) + 1;
            _page[at++] = (byte)width;
            at += EncodeHybrid(_indices.AsSpan(0, nonNull), width, _page.AsSpan(at));
            DictionaryPage = Compress(codec, _dictionary.AsSpan(0, d), ref _compressedDictionary, zstd, _dictionary);
            Statistics(values, fromDictionary: true);
        }
        else if (Kind == OutputKind.String)
        {
            // Nearly unique strings (pseudonyms): lengths apart from the bytes, so the codec sees only the hex text.
            Ensure(ref _indices, nonNull); // the lengths' scratch: no dictionary indices in this chunk
            at += EncodeDeltaLength(values, _indices.AsSpan(0, nonNull), _page.AsSpan(at));
            Statistics(values, fromDictionary: false);
        }
        else
        {
            values.CopyTo(_page.AsSpan(at));
            at += values.Length;
            Statistics(values, fromDictionary: false);
        }

        DataUncompressed = at;
        DataPage = Compress(codec, _page.AsSpan(0, at), ref _compressedPage, zstd, _page);
    }

    /// <summary>
    /// Definition levels (bit width 1), preceded by their 4-byte length: one RLE run when no value is null, else
    /// bit-packed runs of at most 63 groups of 8 (504 values), as some readers cap a run's header at one byte.
    /// </summary>
    internal static int EncodeLevels(ReadOnlySpan<byte> defined, int rows, int nonNull, Span<byte> destination)
    {
        var at = 4;
        if (rows == nonNull)
        {
            at += WriteVarInt(destination[at..], (uint)rows << 1);
            destination[at++] = 1;
        }
        else
        {
            var groups = (rows + 7) / 8;
            for (var g = 0; g < groups; g += 63)
            {
                var n = Math.Min(63, groups - g);
                destination[at++] = (byte)((n << 1) | 1);
                defined.Slice(g, n).CopyTo(destination[at..]);
                at += n;
            }

            if (rows % 8 != 0)
            {
                destination[at - 1] &= (byte)((1 << (rows % 8)) - 1);
            }
        }

        BinaryPrimitives.WriteInt32LittleEndian(destination, at - 4);
        return at;
    }

    /// <summary>
    /// The RLE/bit-packed hybrid encoding of <paramref name="values"/> at <paramref name="width"/> bits (no length
    /// prefix): a run of 16 or more equal values that starts on a group boundary becomes an RLE run, the rest goes
    /// into bit-packed runs of whole groups of 8 (the last group padded with zeros).
    /// </summary>
    internal static int EncodeHybrid(ReadOnlySpan<int> values, int width, Span<byte> destination)
    {
        var at = 0;
        var packStart = 0;
        var pending = 0;
        var i = 0;
        while (i < values.Length)
        {
            if (pending % 8 == 0)
            {
                var value = values[i];
                var run = 1;
                while (i + run < values.Length && values[i + run] == value)
                {
                    run++;
                }

                if (run >= 16)
                {
                    at += FlushPacked(values.Slice(packStart, pending), width, destination[at..]);
                    at += WriteVarInt(destination[at..], (uint)run << 1);
                    for (var b = 0; b < (width + 7) / 8; b++)
                    {
                        destination[at++] = (byte)(value >> (8 * b));
                    }

                    i += run;
                    packStart = i;
                    pending = 0;
                    continue;
                }
            }

            pending++;
            i++;
        }

        return at + FlushPacked(values.Slice(packStart, pending), width, destination[at..]);
    }

    /// <summary>
    /// DELTA_LENGTH_BYTE_ARRAY of PLAIN string values (4-byte length, bytes): the lengths as DELTA_BINARY_PACKED
    /// (blocks of 128 deltas in 4 miniblocks of 32), then every value's bytes back to back.
    /// </summary>
    internal static int EncodeDeltaLength(ReadOnlySpan<byte> plain, Span<int> lengths, Span<byte> destination)
    {
        const int BlockSize = 128, Miniblocks = 4, MiniblockSize = BlockSize / Miniblocks;
        var count = lengths.Length;
        var pos = 0;
        for (var i = 0; i < count; i++)
        {
            lengths[i] = BinaryPrimitives.ReadInt32LittleEndian(plain[pos..]);
            pos += 4 + lengths[i];
        }

        var at = WriteVarInt(destination, BlockSize);
        at += WriteVarInt(destination[at..], Miniblocks);
        at += WriteVarInt(destination[at..], (uint)count);
        at += WriteVarInt(destination[at..], ZigZag(count > 0 ? lengths[0] : 0));
        Span<int> deltas = stackalloc int[BlockSize];
        for (var first = 1; first < count; first += BlockSize)
        {
            var n = Math.Min(BlockSize, count - first);
            var minDelta = int.MaxValue;
            for (var i = 0; i < n; i++)
            {
                deltas[i] = lengths[first + i] - lengths[first + i - 1];
                minDelta = Math.Min(minDelta, deltas[i]);
            }

            at += WriteVarInt(destination[at..], ZigZag(minDelta));
            var widths = destination.Slice(at, Miniblocks);
            at += Miniblocks;
            for (var m = 0; m < Miniblocks; m++)
            {
                var start = m * MiniblockSize;
                if (start >= n)
                {
                    widths[m] = 0; // unused miniblock of the last block: a width, no body
                    continue;
                }

                var end = Math.Min(n, start + MiniblockSize);
                uint max = 0;
                for (var i = start; i < end; i++)
                {
                    deltas[i] -= minDelta;
                    max = Math.Max(max, (uint)deltas[i]);
                }

                var width = max == 0 ? 0 : BitOperations.Log2(max) + 1;
                widths[m] = (byte)width;
                ulong buffer = 0;
                var bits = 0;
                for (var i = start; i < start + MiniblockSize; i++)
                {
                    buffer |= (ulong)(i < end ? (uint)deltas[i] : 0) << bits;
                    bits += width;
                    while (bits >= 8)
                    {
                        destination[at++] = (byte)buffer;
                        buffer >>= 8;
                        bits -= 8;
                    }
                }
            }
        }

        pos = 0;
        for (var i = 0; i < count; i++)
        {
            plain.Slice(pos + 4, lengths[i]).CopyTo(destination[at..]);
            at += lengths[i];
            pos += 4 + lengths[i];
        }

        return at;
    }

    private static uint ZigZag(int value) => (uint)((value << 1) ^ (value >> 31));

    private static int FlushPacked(ReadOnlySpan<int> values, int width, Span<byte> destination)
    {
        var at = 0;
        var groups = (values.Length + 7) / 8;
        for (var g = 0; g < groups; g += 63)
        {
            var n = Math.Min(63, groups - g);
            at += WriteVarInt(destination[at..], ((uint)n << 1) | 1);
            ulong buffer = 0;
            var bits = 0;
            for (var v = g * 8; v < (g + n) * 8; v++)
            {
                buffer |= (ulong)(uint)(v < values.Length ? values[v] : 0) << bits;
                bits += width;
                while (bits >= 8)
                {
                    destination[at++] = (byte)buffer;
                    buffer >>= 8;
                    bits -= 8;
                }
            }
        }

        return at;
    }

    private static int WriteVarInt(Span<byte> destination, uint value)
    {
        var at = 0;
        while (value >= 0x80)
        {
            destination[at++] = (byte)(value | 0x80);
            value >>= 7;
        }

        destination[at++] = (byte)value;
        return at;
    }

    /// <summary>
    /// Builds the dictionary of the chunk's values and each value's index, or gives up (false) when the values do
    /// not repeat enough to pay for it, the dictionary grows past <see cref="MaxDictionaryBytes"/>, or probing runs long.
    /// </summary>
    private bool TryDictionary(ReadOnlySpan<byte> values, int nonNull)
    {
        Ensure(ref _indices, nonNull);
        _slots.AsSpan().Clear();
        var count = 0;
        var bytes = 0;
        var pos = 0;
        var width = FixedWidth(Kind);
        for (var i = 0; i < nonNull; i++)
        {
            var length = width > 0 ? width : 4 + BinaryPrimitives.ReadInt32LittleEndian(values[pos..]);
            var value = values.Slice(pos, length);
            var hash = width > 0 ? HashFixed(value) : Hash(value);
            var mask = _slots.Length - 1;
            var slot = hash & mask;
            var probes = 0;
            int entry;
            while (true)
            {
                entry = _slots[slot] - 1;
                if (entry < 0)
                {
                    entry = count++;
                    if (entry == _entryStart.Length)
                    {
                        Array.Resize(ref _entryStart, entry * 2);
                        Array.Resize(ref _entryLength, entry * 2);
                    }

                    _entryStart[entry] = pos;
                    _entryLength[entry] = length;
                    _slots[slot] = entry + 1;
                    bytes += length;
                    break;
                }

                if (_entryLength[entry] == length && values.Slice(_entryStart[entry], length).SequenceEqual(value))
                {
                    break;
                }

                if (++probes > MaxProbes)
                {
                    return Abandon();
                }

                slot = (slot + 1) & mask;
            }

            _indices[i] = entry;
            pos += length;
            if (bytes > MaxDictionaryBytes || (i + 1 == Math.Min(SampleValues, nonNull) && count > (i + 1) * 3 / 4))
            {
                return Abandon();
            }

            if (count * 2 > _slots.Length)
            {
                Rehash(values, count);
            }
        }

        DictionaryCount = count;
        return true;

        bool Abandon()
        {
            DictionaryCount = 0;
            return false;
        }
    }

    private void Rehash(ReadOnlySpan<byte> values, int count)
    {
        _slots = new int[_slots.Length * 2];
        var mask = _slots.Length - 1;
        for (var e = 0; e < count; e++)
        {
            var entry = values.Slice(_entryStart[e], _entryLength[e]);
            var slot = (Kind == OutputKind.String ? Hash(entry) : HashFixed(entry)) & mask;
            while (_slots[slot] != 0)
            {
                slot = (slot + 1) & mask;
            }

            _slots[slot] = e + 1;
        }
    }

    // Both hashes are seeded randomly per process, so a partner cannot choose values that collide in this table
    // (and MaxProbes bounds the work if one could).
    private static readonly ulong Seed = (ulong)Random.Shared.NextInt64();

    /// <summary>
    /// A 4- or 8-byte value through a full-avalanche mix of the seeded bits (HashCode.AddBytes cost ~3× more per
    /// value). A plain multiply would not do: doubles such as 70.0 and 4.5 differ only in their top bits, and the low
    /// bits of a product ignore the top bits of the input, so they collided and the dictionary was abandoned.
    /// </summary>
    private static int HashFixed(ReadOnlySpan<byte> value)
    {
        var bits = value.Length == 8 ? BinaryPrimitives.ReadUInt64LittleEndian(value) : BinaryPrimitives.ReadUInt32LittleEndian(value);
        return (int)(Hash64.Mix(bits ^ Seed) >> 33);
    }

    private static int Hash(ReadOnlySpan<byte> value)
    {
        var h = default(HashCode);
        h.AddBytes(value);
        return h.ToHashCode() & int.MaxValue;
    }

    private static int FixedWidth(OutputKind kind) => kind switch
    {
        OutputKind.Int32 or OutputKind.Date => 4,
        OutputKind.Double or OutputKind.Timestamp => 8,
        OutputKind.String => 0,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "No fixed width."),
    };

    /// <summary>Min and max over the distinct values (the dictionary) when there is one, else over all values.</summary>
    private void Statistics(ReadOnlySpan<byte> values, bool fromDictionary)
    {
        if (Rows == NullCount)
        {
            return;
        }

        var count = fromDictionary ? DictionaryCount : Rows - (int)NullCount;
        switch (Kind)
        {
            case OutputKind.Boolean:
                var anyTrue = false;
                var anyFalse = false;
                for (var i = 0; i < count && !(anyTrue && anyFalse); i++)
                {
                    var bit = (values[i / 8] >> (i % 8)) & 1;
                    anyTrue |= bit == 1;
                    anyFalse |= bit == 0;
                }

                Min = [anyFalse ? (byte)0 : (byte)1];
                Max = [anyTrue ? (byte)1 : (byte)0];
                break;
            case OutputKind.Int32 or OutputKind.Date:
                {
                    int min = int.MaxValue, max = int.MinValue;
                    for (var i = 0; i < count; i++)
                    {
                        var v = BinaryPrimitives.ReadInt32LittleEndian(values[(fromDictionary ? _entryStart[i] : i * 4)..]);
                        min = Math.Min(min, v);
                        max = Math.Max(max, v);
                    }

                    Min = new byte[4];
                    Max = new byte[4];
                    BinaryPrimitives.WriteInt32LittleEndian(Min, min);
                    BinaryPrimitives.WriteInt32LittleEndian(Max, max);
                    break;
                }

            case OutputKind.Timestamp:
                {
                    long min = long.MaxValue, max = long.MinValue;
                    for (var i = 0; i < count; i++)
                    {
                        var v = BinaryPrimitives.ReadInt64LittleEndian(values[(fromDictionary ? _entryStart[i] : i * 8)..]);
                        min = Math.Min(min, v);
                        max = Math.Max(max, v);
                    }

                    Min = new byte[8];
                    Max = new byte[8];
                    BinaryPrimitives.WriteInt64LittleEndian(Min, min);
                    BinaryPrimitives.WriteInt64LittleEndian(Max, max);
                    break;
                }

            case OutputKind.Double:
                {
                    double min = double.PositiveInfinity, max = double.NegativeInfinity;
                    var any = false;
                    for (var i = 0; i < count; i++)
                    {
                        var v = BinaryPrimitives.ReadDoubleLittleEndian(values[(fromDictionary ? _entryStart[i] : i * 8)..]);
                        if (double.IsNaN(v))
                        {
                            continue; // never written by the cleaner (non-finite rule); NaN has no place in an order
                        }

                        any = true;
                        min = Math.Min(min, v);
                        max = Math.Max(max, v);
                    }

                    if (!any)
                    {
                        return;
                    }

                    // The format's rule for signed zeros: a zero minimum is written -0.0, a zero maximum +0.0.
                    Min = new byte[8];
                    Max = new byte[8];
                    BinaryPrimitives.WriteDoubleLittleEndian(Min, min == 0 ? -0.0 : min);
                    BinaryPrimitives.WriteDoubleLittleEndian(Max, max == 0 ? 0.0 : max);
                    break;
                }

            default:
                {
                    ReadOnlySpan<byte> min = default, max = default;
                    var pos = 0;
                    for (var i = 0; i < count; i++)
                    {
                        var start = fromDictionary ? _entryStart[i] : pos;
                        var length = BinaryPrimitives.ReadInt32LittleEndian(values[start..]);
                        var v = values.Slice(start + 4, length);
                        pos = start + 4 + length;
                        if (i == 0 || v.SequenceCompareTo(min) < 0)
                        {
                            min = v;
                        }

                        if (i == 0 || v.SequenceCompareTo(max) > 0)
                        {
                            max = v;
                        }
                    }

                    if (min.Length <= MaxStatisticsBytes && max.Length <= MaxStatisticsBytes)
                    {
                        Min = min.ToArray();
                        Max = max.ToArray();
                    }

                    break;
                }
        }
    }

    private static ReadOnlyMemory<byte> Compress(ParquetCodec codec, ReadOnlySpan<byte> source, ref byte[] destination, ZstdCompressors zstd, byte[] sourceArray)
    {
        switch (codec)
        {
            case ParquetCodec.Snappy:
                Ensure(ref destination, Snappier.Snappy.GetMaxCompressedLength(source.Length));
                return destination.AsMemory(0, Snappier.Snappy.Compress(source, destination));
            case ParquetCodec.Zstd:
                Ensure(ref destination, Compressor.GetCompressBound(source.Length));
                var compressor = zstd.Rent();
                try
                {
                    return destination.AsMemory(0, compressor.Wrap(source, destination));
                }
                finally
                {
                    zstd.Return(compressor);
                }

            default:
                return sourceArray.AsMemory(0, source.Length);
        }
    }

    private static void Ensure<T>(ref T[] buffer, int length)
    {
        if (buffer.Length < length)
        {
            buffer = new T[Math.Max(length, buffer.Length + (buffer.Length / 2))];
        }
    }
}

/// <summary>Zstandard compressors (each holds a few hundred KB of state) shared by a writer's encoders.</summary>
internal sealed class ZstdCompressors(int level) : IDisposable
{
    // A queue, not a ConcurrentBag: nothing of a finished writer stays in the threads' storage (see CsvUploadCleaner).
    private readonly ConcurrentQueue<Compressor> _free = new();

    public Compressor Rent() => _free.TryDequeue(out var c) ? c : new Compressor(level);

    public void Return(Compressor compressor) => _free.Enqueue(compressor);

    public void Dispose()
    {
        while (_free.TryDequeue(out var c))
        {
            c.Dispose();
        }
    }
}
