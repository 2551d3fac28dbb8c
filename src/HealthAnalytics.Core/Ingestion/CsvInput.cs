using System.Buffers;
using System.IO.Compression;
using System.Text;

namespace HealthAnalytics.Ingestion;

/// <summary>Thrown inside the cleaner when the whole file is refused; turned into a report, never escapes.</summary>
internal sealed class FileRejectedException(FileRejection rejection) : Exception(rejection.Message)
{
    public FileRejection Rejection { get; } = rejection;

    public static FileRejectedException Of(string rule, string message, long? line = null, string? column = null, long? byteOffset = null) =>
        new(new FileRejection(rule, message, line, column, byteOffset));
}

/// <summary>Counts bytes read through it; enforces the decompressed-size and ratio caps when asked.</summary>
internal sealed class CountingStream(Stream inner, Func<long, bool>? overLimit = null) : Stream
{
    private readonly byte[] _last = new byte[8];

    public long BytesRead { get; private set; }

    /// <summary>The last 4 bytes read (the gzip ISIZE field once the stream is fully consumed).</summary>
    public uint LastUInt32
    {
        get
        {
            Span<byte> tail = stackalloc byte[4];
            for (var i = 0; i < 4; i++)
            {
                tail[i] = _last[(int)((BytesRead - 4 + i) & 7)];
            }

            return System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(tail);
        }
    }

    public override int Read(Span<byte> buffer)
    {
        var n = inner.Read(buffer);
        for (var i = Math.Max(0, n - 8); i < n; i++)
        {
            _last[(int)((BytesRead + i) & 7)] = buffer[i];
        }

        BytesRead += n;
        if (overLimit is not null && overLimit(BytesRead))
        {
            throw FileRejectedException.Of("decompressed-size", "the decompressed content exceeds the allowed size or compression ratio");
        }

        return n;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await inner.ReadAsync(buffer, cancellationToken);
        BytesRead += n;
        if (overLimit is not null && overLimit(BytesRead))
        {
            throw FileRejectedException.Of("decompressed-size", "the decompressed content exceeds the allowed size or compression ratio");
        }

        return n;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => BytesRead; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

/// <summary>Replays a few already-read bytes before the rest of a stream (magic-byte and BOM sniffing).</summary>
internal sealed class PrefixStream(byte[] prefix, int prefixLength, Stream inner) : Stream
{
    private int _position;

    public override int Read(Span<byte> buffer)
    {
        if (_position < prefixLength)
        {
            var n = Math.Min(buffer.Length, prefixLength - _position);
            prefix.AsSpan(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        return inner.Read(buffer);
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

/// <summary>
/// Opens an upload as a stream of strictly valid UTF-8: detects gzip/zip, caps decompression, honours the
/// contract's encoding or a BOM, and transcodes UTF-16/windows-1252 with exception fallbacks (never U+FFFD).
/// </summary>
internal sealed class CsvInput : IDisposable
{
    private readonly List<IDisposable> _owned = [];

    private CsvInput(Stream utf8, string encoding, string compression, bool bom, long bomBytes, bool validate)
    {
        Utf8 = utf8;
        Encoding = encoding;
        Compression = compression;
        ByteOrderMark = bom;
        BomBytes = bomBytes;
        NeedsValidation = validate;
    }

    public Stream Utf8 { get; }

    /// <summary>Set for gzip: checks, once everything was read, that the stream was complete.</summary>
    public Action? VerifyComplete { get; private init; }
    public string Encoding { get; }
    public string Compression { get; }
    public bool ByteOrderMark { get; }

    /// <summary>Bytes skipped before <see cref="Utf8"/> starts (so error offsets refer to the decompressed file).</summary>
    public long BomBytes { get; }

    /// <summary>False when the stream was produced by a transcoder, which only emits valid UTF-8.</summary>
    public bool NeedsValidation { get; }

    public static CsvInput Open(Stream raw, string fileName, string? declaredEncoding, IngestionOptions options)
    {
        var compressedCounter = new CountingStream(raw);
        var head = new byte[4];
        var headLength = ReadAtLeast(compressedCounter, head);
        Stream content;
        string compression;
        if (headLength >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4)
        {
            throw FileRejectedException.Of("unsupported-format", "ZIP archives are not supported; upload .csv or .csv.gz");
        }

        var replay = new PrefixStream(head, headLength, compressedCounter);
        if (headLength >= 2 && head[0] == 0x1F && head[1] == 0x8B)
        {
            compression = "gzip";
            var gzip = new GZipStream(replay, CompressionMode.Decompress);
            content = new CountingStream(gzip, produced =>
                produced > options.MaxDecompressedBytes ||
                (produced > options.CompressionRatioGraceBytes && produced > compressedCounter.BytesRead * options.MaxCompressionRatio));
        }
        else if (fileName.EndsWith(".gz", StringComparison.OrdinalIgnoreCase))
        {
            throw FileRejectedException.Of("unsupported-format", "the file is named .gz but is not gzip");
        }
        else
        {
            compression = "none";
            content = new CountingStream(replay, produced => produced > options.MaxDecompressedBytes);
        }

        Action? verify = null;
        if (compression == "gzip")
        {
            var decompressed = (CountingStream)content;
            // GZipStream returns end-of-stream on a truncated file; the trailer's ISIZE (size mod 2^32)
            // matches the bytes produced only when the last member really ended.
            verify = () =>
            {
                if (compressedCounter.BytesRead < 18 || compressedCounter.LastUInt32 != (uint)decompressed.BytesRead)
                {
                    throw FileRejectedException.Of("truncated-gzip", "the gzip stream is truncated");
                }
            };
        }

        var result = OpenText(content, declaredEncoding, compression);
        return verify is null ? result : new CsvInput(result.Utf8, result.Encoding, compression, result.ByteOrderMark, result.BomBytes, result.NeedsValidation) { VerifyComplete = verify };
    }

    private static CsvInput OpenText(Stream content, string? declaredEncoding, string compression)
    {
        var bomBuffer = new byte[3];
        var bomLength = ReadAtLeast(content, bomBuffer);
        var declared = declaredEncoding?.ToLowerInvariant();
        var utf8Bom = bomLength >= 3 && bomBuffer[0] == 0xEF && bomBuffer[1] == 0xBB && bomBuffer[2] == 0xBF;
        var le = bomLength >= 2 && bomBuffer[0] == 0xFF && bomBuffer[1] == 0xFE;
        var be = bomLength >= 2 && bomBuffer[0] == 0xFE && bomBuffer[1] == 0xFF;

        if (declared == "windows-1252")
        {
            var cp1252 = CodePagesEncodingProvider.Instance.GetEncoding(1252, EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback)!;
            return Transcoded(new PrefixStream(bomBuffer, bomLength, content), cp1252, "windows-1252", compression, false, 0);
        }

        if (le || be || declared == "utf-16")
        {
            var bigEndian = be;
            var skip = le || be ? 2 : 0;
            var rest = new PrefixStream(bomBuffer[skip..], bomLength - skip < 0 ? 0 : bomLength - skip, content);
            var utf16 = new UnicodeEncoding(bigEndian, byteOrderMark: false, throwOnInvalidBytes: true);
            return Transcoded(rest, utf16, bigEndian ? "utf-16be" : "utf-16le", compression, le || be, skip);
        }

        // UTF-8, declared or by default: strict, validated while parsing.
        if (utf8Bom)
        {
            return new CsvInput(content, "utf-8", compression, true, 3, true);
        }

        return new CsvInput(new PrefixStream(bomBuffer, bomLength, content), "utf-8", compression, false, 0, true);
    }

    private static CsvInput Transcoded(Stream source, Encoding encoding, string name, string compression, bool bom, long bomBytes)
    {
        var strictUtf8 = new UTF8Encoding(false, true);
        var transcoder = System.Text.Encoding.CreateTranscodingStream(source, encoding, strictUtf8, leaveOpen: true);
        return new CsvInput(transcoder, name, compression, bom, bomBytes, false);
    }

    private static int ReadAtLeast(Stream s, byte[] buffer)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var n = s.Read(buffer, total, buffer.Length - total);
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        return total;
    }

    public void Dispose()
    {
        Utf8.Dispose();
        foreach (var d in _owned)
        {
            d.Dispose();
        }
    }

    /// <summary>Length of a trailing, possibly incomplete UTF-8 sequence (0-3) to carry to the next chunk.</summary>
    public static int IncompleteTail(ReadOnlySpan<byte> data)
    {
        for (var back = 1; back <= Math.Min(3, data.Length); back++)
        {
            var b = data[^back];
            if ((b & 0xC0) == 0x80)
            {
                continue; // continuation byte: keep looking for the lead
            }

            var need = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
            return need > back ? back : 0;
        }

        return 0;
    }

    /// <summary>Offset of the first invalid UTF-8 byte in <paramref name="data"/>, or -1.</summary>
    public static int FirstInvalidUtf8(ReadOnlySpan<byte> data)
    {
        if (System.Text.Unicode.Utf8.IsValid(data))
        {
            return -1;
        }

        var offset = 0;
        while (offset < data.Length)
        {
            var status = System.Text.Rune.DecodeFromUtf8(data[offset..], out _, out var consumed);
            if (status != OperationStatus.Done)
            {
                return offset;
            }

            offset += consumed;
        }

        return -1;
    }
}
