using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using HealthAnalytics.Curated;

namespace HealthAnalytics.Storage;

/// <summary><see cref="ICuratedStore"/> over the curated container, with conditional create.</summary>
public sealed class BlobCuratedStore(BlobContainerClient container) : ICuratedStore
{
    public async Task<CuratedWrite> CreateIfNotExistsAsync(string path, Stream content, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(content);
        try
        {
            // If-None-Match: * applies to the final commit, so no partial or second version is ever visible.
            await container.GetBlobClient(path).UploadAsync(content, new BlobUploadOptions
            {
                Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
                HttpHeaders = new BlobHttpHeaders { ContentType = "application/vnd.apache.parquet" },
            }, cancellationToken);
            return CuratedWrite.Created;
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            return CuratedWrite.AlreadyExisted;
        }
    }
}
