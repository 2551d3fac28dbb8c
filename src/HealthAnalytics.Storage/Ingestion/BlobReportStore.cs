using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using HealthAnalytics.Ingestion;

namespace HealthAnalytics.Storage;

/// <summary><see cref="IReportStore"/> over the reports container.</summary>
public sealed class BlobReportStore(BlobContainerClient container) : IReportStore
{
    public async Task SaveAsync(string jsonPath, ReadOnlyMemory<byte> json, string htmlPath, string html, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(jsonPath);
        ArgumentException.ThrowIfNullOrEmpty(htmlPath);
        await container.GetBlobClient(jsonPath).UploadAsync(BinaryData.FromBytes(json), new BlobUploadOptions
        {
            HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" },
        }, cancellationToken);
        await container.GetBlobClient(htmlPath).UploadAsync(BinaryData.FromString(html), new BlobUploadOptions
        {
            HttpHeaders = new BlobHttpHeaders { ContentType = "text/html; charset=utf-8" },
        }, cancellationToken);
    }

    public async Task<Stream?> OpenReadAsync(string path, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        try
        {
            var response = await container.GetBlobClient(path).DownloadStreamingAsync(cancellationToken: cancellationToken);
            return response.Value.Content;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }
}
