namespace HealthAnalytics.Contracts;

/// <summary>One operator-supplied contract: the dataset it is stored under and its JSON text.</summary>
public sealed record ContractOverride(string Dataset, string Json);

/// <summary>
/// Where operators drop contract overrides/additions (in Azure: blob <c>config/contracts/{dataset}.json</c>,
/// implemented by the storage adapter). The domain only sees names and text.
/// </summary>
public interface IContractOverrideSource
{
    Task<IReadOnlyList<ContractOverride>> GetOverridesAsync(CancellationToken cancellationToken);
}

/// <summary>No overrides: the shipped contracts only (tests, tools).</summary>
public sealed class NoContractOverrides : IContractOverrideSource
{
    public Task<IReadOnlyList<ContractOverride>> GetOverridesAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<ContractOverride>>([]);
}
