using System.Runtime.CompilerServices;

namespace HealthAnalytics.Ingestion;

/// <summary>The partner drop zone (<c>uploads/</c>). Read-only: the app never changes or deletes an upload.</summary>
public interface IUploadSource
{
    /// <summary>Size and ETag of one upload; null when it no longer exists.</summary>
    /// <param name="name">The blob name inside the uploads container (opaque data).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task<UploadProperties?> GetPropertiesAsync(string name, CancellationToken cancellationToken);

    /// <summary>Opens the upload for reading, pinned to <paramref name="eTag"/>: if the blob was replaced since,
    /// reading fails with <see cref="UploadChangedException"/> instead of mixing two versions.</summary>
    Task<Stream> OpenReadAsync(string name, string eTag, CancellationToken cancellationToken);

    /// <summary>Every upload currently present (the dev host's poller; Azure uses Event Grid instead).</summary>
    IAsyncEnumerable<UploadProperties> ListAsync(CancellationToken cancellationToken);

    /// <summary>The uploads whose name starts with <paramref name="prefix"/> (the stalled-upload sweep finding a blob
    /// whose ledger entry shows its name hashed). The default filters <see cref="ListAsync(CancellationToken)"/>.</summary>
    async IAsyncEnumerable<UploadProperties> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var item in ListAsync(cancellationToken))
        {
            if (item.Name.StartsWith(prefix, StringComparison.Ordinal))
            {
                yield return item;
            }
        }
    }
}

/// <param name="Name">Blob name inside the uploads container.</param>
/// <param name="Size">Content length in bytes.</param>
/// <param name="ETag">Opaque version tag of the blob.</param>
public sealed record UploadProperties(string Name, long Size, string ETag);

/// <summary>The upload was replaced or deleted while it was being read; its newer version has its own event.</summary>
public sealed class UploadChangedException : Exception
{
    public UploadChangedException()
        : base("The upload changed while it was being read.")
    {
    }

    public UploadChangedException(string message)
        : base(message)
    {
    }

    public UploadChangedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
