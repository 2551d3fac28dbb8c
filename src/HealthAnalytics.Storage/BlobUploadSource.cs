using System.Runtime.CompilerServices;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using HealthAnalytics.Domain.Ports;

namespace HealthAnalytics.Storage;

/// <summary><see cref="IUploadSource"/> over the uploads container. Read-only by design.</summary>
public sealed class BlobUploadSource(BlobContainerClient container) : IUploadSource
{
    public async Task<UploadProperties?> GetPropertiesAsync(string name, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        try
        {
            var properties = await container.GetBlobClient(name).GetPropertiesAsync(cancellationToken: cancellationToken);
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
            var response = await container.GetBlobClient(name).DownloadStreamingAsync(
                new BlobDownloadOptions { Conditions = new BlobRequestConditions { IfMatch = new ETag(eTag) } },
                cancellationToken);
            return response.Value.Content;
        }
        catch (RequestFailedException e) when (e.Status is 404 or 412)
        {
            throw new UploadChangedException("The upload was replaced or deleted.", e);
        }
    }

    public async IAsyncEnumerable<UploadProperties> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var item in container.GetBlobsAsync(cancellationToken: cancellationToken))
        {
            yield return new UploadProperties(item.Name, item.Properties.ContentLength ?? 0, item.Properties.ETag?.ToString() ?? string.Empty);
        }
    }
}
