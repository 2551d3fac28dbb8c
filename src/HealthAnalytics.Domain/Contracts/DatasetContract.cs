namespace HealthAnalytics.Domain.Contracts;

/// <summary>
/// A dataset contract (config/contracts/{dataset}.json; format in docs/contracts.md).
/// Placeholder shape: the ingestion work fleshes it out.
/// </summary>
public sealed record DatasetContract
{
    public required string Name { get; init; }
    public required string Version { get; init; }
}
