namespace HealthAnalytics.Contracts;

/// <summary>The contract in force for a dataset (shipped contracts merged with stored ones; see <c>ConfigCatalog</c>).</summary>
public interface IDatasetContractProvider
{
    /// <summary>Null when no valid contract names <paramref name="dataset"/>.</summary>
    Task<DatasetContract?> FindAsync(string dataset, CancellationToken cancellationToken);
}
