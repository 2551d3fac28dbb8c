using System.Text.RegularExpressions;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using HealthAnalytics.Contracts;

namespace HealthAnalytics.Storage;

/// <summary>
/// Operator contract overrides: blobs <c>config/contracts/{dataset}.json</c>. Returns (dataset, JSON text)
/// pairs for the domain's contract catalog to validate and merge; blobs whose name is not a plain dataset
/// name are skipped rather than trusted.
/// </summary>
public sealed partial class BlobContractOverrideSource(BlobContainerClient container) : IContractOverrideSource
{
    private const string Prefix = "contracts/";

    public async Task<IReadOnlyList<ContractOverride>> GetOverridesAsync(CancellationToken cancellationToken)
    {
        var result = new List<ContractOverride>();
        await foreach (var item in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, Prefix, cancellationToken))
        {
            var match = OverrideName().Match(item.Name);
            if (!match.Success)
            {
                continue;
            }

            var content = await container.GetBlobClient(item.Name).DownloadContentAsync(cancellationToken);
            result.Add(new ContractOverride(match.Groups[1].Value, content.Value.Content.ToString()));
        }

        return result;
    }

    [GeneratedRegex("^contracts/([A-Za-z0-9][A-Za-z0-9._-]{0,62})\\.json$", RegexOptions.CultureInvariant)]
    private static partial Regex OverrideName();
}
