using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using HealthAnalytics.Curated;

namespace HealthAnalytics.Storage;

/// <summary>
/// Curated uploads from container <c>curated</c>: <c>{dataset}/partner={partner}/{uploadId}.parquet</c>. Upload order
/// is the blob's creation time (the curated file is created once, with If-None-Match: *), ties by name.
/// </summary>
public sealed class BlobCuratedDataSource(BlobContainerClient container) : ICuratedDataSource
{
    public async Task<IReadOnlyList<CuratedUpload>> ListAsync(string dataset, CancellationToken cancellationToken)
    {
        var result = new List<(CuratedUpload Upload, string Name)>();
        if (!await container.ExistsAsync(cancellationToken))
        {
            return [];
        }

        await foreach (var item in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, dataset + "/", cancellationToken))
        {
            var parts = item.Name.Split('/');
            if (parts.Length != 3 || !parts[1].StartsWith("partner=", StringComparison.Ordinal) || !parts[2].EndsWith(".parquet", StringComparison.Ordinal))
            {
                continue;
            }

            var md5 = item.Properties.ContentHash is { Length: > 0 } h ? Convert.ToHexStringLower(h) : item.Properties.ETag?.ToString().Trim('"') ?? "";
            var upload = new CuratedUpload(parts[2][..^".parquet".Length], parts[1]["partner=".Length..], md5, item.Properties.CreatedOn ?? DateTimeOffset.MinValue, item.Properties.ContentLength ?? 0);
            result.Add((upload, item.Name));
        }

        return [.. result.OrderBy(r => r.Upload.Order).ThenBy(r => r.Name, StringComparer.Ordinal).Select(r => r.Upload)];
    }

    public async Task<Stream> OpenAsync(string dataset, CuratedUpload upload, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(upload);

        // A local temp file (deleted on close): Parquet reads the footer first, so it needs a seekable stream,
        // and a file keeps a 1M-row upload out of the managed heap.
        var path = Path.Combine(Path.GetTempPath(), "ha-train-" + Guid.NewGuid().ToString("N") + ".parquet");
        var file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        try
        {
            await container.GetBlobClient($"{dataset}/partner={upload.Partner}/{upload.UploadId}.parquet").DownloadToAsync(file, cancellationToken);
            file.Position = 0;
            return file;
        }
        catch
        {
            await file.DisposeAsync();
            throw;
        }
    }
}
