namespace HealthAnalytics.Contracts;

/// <summary>
/// Contract lookup over the domain's <see cref="ContractCatalog"/> (shipped contracts + operator overrides).
/// Overrides are re-read at most every <see cref="RefreshInterval"/>, so an operator's new contract is in
/// force within that time without a restart, and a burst of uploads costs one listing, not one each.
/// </summary>
public sealed class CatalogContractProvider(ContractCatalog catalog, TimeProvider time) : IDatasetContractProvider, IDisposable
{
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(30);

    private readonly SemaphoreSlim refreshGate = new(1, 1);
    private DateTimeOffset refreshedAt = DateTimeOffset.MinValue;

    public async Task<DatasetContract?> FindAsync(string dataset, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (time.GetUtcNow() - refreshedAt >= RefreshInterval)
        {
            await refreshGate.WaitAsync(cancellationToken);
            try
            {
                if (time.GetUtcNow() - refreshedAt >= RefreshInterval)
                {
                    await catalog.RefreshAsync(cancellationToken);
                    refreshedAt = time.GetUtcNow();
                }
            }
            finally
            {
                refreshGate.Release();
            }
        }

        return catalog.TryGet(dataset, out var contract) ? contract : null;
    }

    public void Dispose() => refreshGate.Dispose();
}
