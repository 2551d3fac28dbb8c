using System.Runtime.CompilerServices;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using HealthAnalytics.Ingestion;

namespace HealthAnalytics.Storage;

/// <summary><see cref="IUploadSource"/> over the uploads container. Read-only by design.</summary>
public sealed class BlobUploadSource(BlobContainerClient container) : IUploadSource
{
    public async Task<UploadProperties?> GetPropertiesAsync(string name, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        try
        {
            var properties = await Blob(name).GetPropertiesAsync(cancellationToken: cancellationToken);
            return new UploadProperties(name, properties.Value.ContentLength, properties.Value.ETag.ToString());
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    public async Task<Stream> OpenReadAsync(string name, string eTag, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(eTag);
        try
        {
            // One streaming GET with If-Match; the SDK's retriable stream resumes with the same condition.
            var response = await Blob(name).DownloadStreamingAsync(
                new BlobDownloadOptions { Conditions = new BlobRequestConditions { IfMatch = new ETag(eTag) } },
                cancellationToken);
            return new PinnedReadStream(response.Value.Content);
        }
        catch (RequestFailedException e) when (e.Status is 404 or 412)
        {
            throw new UploadChangedException("The upload was replaced or deleted.", e);
        }
    }

    /// <summary>
    /// The download stream, with a resumed read's 412/404 (the SDK re-requests the rest after a network fault,
    /// still pinned to the ETag, and the blob was replaced or deleted meanwhile) reported as
    /// <see cref="UploadChangedException"/> like a failed open: the run stops instead of failing with a storage error.
    /// </summary>
    private sealed class PinnedReadStream(Stream inner) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            try
            {
                return inner.Read(buffer, offset, count);
            }
            catch (RequestFailedException e) when (e.Status is 404 or 412)
            {
                throw new UploadChangedException("The upload was replaced or deleted while being read.", e);
            }
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            try
            {
                return await inner.ReadAsync(buffer, cancellationToken);
            }
            catch (RequestFailedException e) when (e.Status is 404 or 412)
            {
                throw new UploadChangedException("The upload was replaced or deleted while being read.", e);
            }
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }

        public override async ValueTask DisposeAsync()
        {
            await inner.DisposeAsync();
            await base.DisposeAsync();
        }
    }

    public IAsyncEnumerable<UploadProperties> ListAsync(CancellationToken cancellationToken) => ListAsync(string.Empty, cancellationToken);

    public async IAsyncEnumerable<UploadProperties> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var item in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix.Length == 0 ? null : prefix, cancellationToken))
        {
            yield return new UploadProperties(item.Name, item.Properties.ContentLength ?? 0, item.Properties.ETag?.ToString() ?? string.Empty);
        }
    }

    /// <summary>
    /// The client of exactly <paramref name="name"/>. The SDK puts the name into a URI, and URIs resolve dot segments
    /// (<c>a/b/../../c</c> → <c>c</c>, even into another container): a name that does not address itself is refused
    /// here, whatever the caller checked before (docs/ingestion.md, "Blob names").
    /// </summary>
    private BlobClient Blob(string name)
    {
        var blob = container.GetBlobClient(name);
        var addressed = new BlobUriBuilder(blob.Uri);
        if (!string.Equals(addressed.BlobContainerName, container.Name, StringComparison.Ordinal) || !string.Equals(addressed.BlobName, name, StringComparison.Ordinal))
        {
            throw new ArgumentException("The blob name does not address that blob (dot segments or encoded separators).", nameof(name));
        }

        return blob;
    }
}
