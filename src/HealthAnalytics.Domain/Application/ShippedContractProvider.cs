using System.Text.Json;
using HealthAnalytics.Domain.Contracts;
using HealthAnalytics.Domain.Ports;

namespace HealthAnalytics.Domain.Application;

/// <summary>
/// Fallback contract lookup over the shipped <c>config/contracts/*.json</c> next to the app. Loaded once into
/// a dictionary keyed by the contract's own name, so a dataset name from a blob is only ever a dictionary key,
/// never part of a file path. The cleaner's catalog (with operator overrides) replaces it when registered.
/// </summary>
public sealed class ShippedContractProvider : IDatasetContractProvider
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly Lazy<IReadOnlyDictionary<string, DatasetContract>> contracts;

    public ShippedContractProvider(string directory)
    {
        contracts = new Lazy<IReadOnlyDictionary<string, DatasetContract>>(() => Load(directory));
    }

    public Task<DatasetContract?> FindAsync(string dataset, CancellationToken cancellationToken)
        => Task.FromResult(contracts.Value.GetValueOrDefault(dataset));

    private static Dictionary<string, DatasetContract> Load(string directory)
    {
        var result = new Dictionary<string, DatasetContract>(StringComparer.Ordinal);
        if (!Directory.Exists(directory))
        {
            return result;
        }

        foreach (var file in Directory.EnumerateFiles(directory, "*.json"))
        {
            var contract = JsonSerializer.Deserialize<DatasetContract>(File.ReadAllText(file), Json);
            if (contract is not null)
            {
                result[contract.Name] = contract;
            }
        }

        return result;
    }
}
