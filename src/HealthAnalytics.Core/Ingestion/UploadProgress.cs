namespace HealthAnalytics.Ingestion;

/// <summary>
/// How far the run holding an upload has got: bytes of the upload read by the cleaner and rows read (docs/console.md,
/// "Progress"). Written by the cleaner (rows once per batch of ~2,000 rows, never per row) and by
/// <see cref="ProgressCountingStream"/> (bytes once per read of ~128 KiB); read by the ingestion service's progress loop,
/// which writes it to the ledger once per <see cref="IngestionRunOptions.ProgressInterval"/>.
/// </summary>
public sealed class UploadProgress
{
    private long _bytes;
    private long _rows;

    public long Bytes => Volatile.Read(ref _bytes);

    public long Rows => Volatile.Read(ref _rows);

    internal void AddBytes(long count) => Interlocked.Add(ref _bytes, count);

    /// <summary>Rows read so far (the cleaner's in-order count; only ever grows).</summary>
    internal void SetRows(long rows) => Volatile.Write(ref _rows, rows);
}

/// <summary>A read-only pass-through that counts the bytes read into an <see cref="UploadProgress"/>.</summary>
internal sealed class ProgressCountingStream(Stream inner, UploadProgress progress) : Stream
{
    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    /// <summary>The upload's length when the inner stream knows it (the temp file does): the wrapper only counts, it
    /// hides nothing a cleaner may ask of its input.</summary>
    public override long Length => inner.Length;

    public override long Position { get => progress.Bytes; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Counted(inner.Read(buffer, offset, count));

    public override int Read(Span<byte> buffer) => Counted(inner.Read(buffer));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Counted(await inner.ReadAsync(buffer, cancellationToken));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private int Counted(int read)
    {
        progress.AddBytes(read);
        return read;
    }
}
