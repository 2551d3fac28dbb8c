using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using HealthAnalytics.Config;
using HealthAnalytics.Contracts;

namespace HealthAnalytics.Storage;

/// <summary>
/// Operator configuration in the blob container <c>config</c>: <c>contracts/{dataset}.json</c> and
/// <c>models/{model}.json</c>. Listing carries size and ETag, so the catalog checks the size cap before any download
/// and reads each version once; a read is pinned to the listed ETag.
/// </summary>
public sealed class BlobConfigStore(BlobContainerClient container) : IConfigStore
{
    public async Task<IReadOnlyList<StoredConfig>> ListAsync(int max, CancellationToken cancellationToken)
    {
        var result = new List<StoredConfig>();
        foreach (var (kind, prefix) in new[] { (ConfigKind.Contract, "contracts/"), (ConfigKind.ModelSpec, "models/") })
        {
            var count = 0;
            try
            {
                await foreach (var item in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix, cancellationToken))
                {
                    if (++count > max)
                    {
                        break;
                    }

                    var rest = item.Name[prefix.Length..];
                    var name = rest.EndsWith(".json", StringComparison.Ordinal) ? rest[..^".json".Length] : null;
                    var valid = ConfigNames.IsValid(name) ? name : null;
                    result.Add(new StoredConfig(kind, valid, valid ?? Hidden(item.Name), item.Properties.ETag?.ToString() ?? "", item.Properties.ContentLength ?? 0));
                }
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                return result; // no config container yet: only the shipped configuration
            }
        }

        return result;
    }

    public async Task<string?> ReadAsync(StoredConfig document, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        try
        {
            var blob = container.GetBlobClient(PathOf(document.Kind, document.Name!));
            var content = await blob.DownloadContentAsync(
                new BlobDownloadOptions { Conditions = new BlobRequestConditions { IfMatch = new ETag(document.Version) } }, cancellationToken);
            return content.Value.Content.ToString();
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            return null;
        }
    }

    public async Task<bool> WriteAsync(ConfigKind kind, string name, string json, CancellationToken cancellationToken)
    {
        var blob = container.GetBlobClient(PathOf(kind, name));
        var exists = (await blob.ExistsAsync(cancellationToken)).Value;
        await blob.UploadAsync(BinaryData.FromString(json), new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" } }, cancellationToken);
        return !exists;
    }

    private static string PathOf(ConfigKind kind, string name) => (kind == ConfigKind.Contract ? "contracts/" : "models/") + name + ".json";

    /// <summary>A stored name that breaks the naming rule is shown by a short hash, never as itself.</summary>
    private static string Hidden(string blobName) =>
        "hidden-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(blobName)))[..12];
}
