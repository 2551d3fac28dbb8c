using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using HealthAnalytics.Training;

namespace HealthAnalytics.Storage;

/// <summary>Spec overrides from container <c>config</c>, prefix <c>models/</c>.</summary>
public sealed class BlobModelSpecOverrides(BlobContainerClient container) : IModelSpecOverrides
{
    public async Task<IReadOnlyDictionary<string, string>> ListAsync(CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            await foreach (var item in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, "models/", cancellationToken))
            {
                if (item.Name.EndsWith(".json", StringComparison.Ordinal) && item.Name.Count(c => c == '/') == 1)
                {
                    var content = (await container.GetBlobClient(item.Name).DownloadContentAsync(cancellationToken)).Value.Content;
                    result[item.Name["models/".Length..^".json".Length]] = content.ToString();
                }
            }
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // No config container: only shipped specs.
        }

        return result;
    }
}
