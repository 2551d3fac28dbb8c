using System.Collections.Concurrent;
using HealthAnalytics.Training;

namespace HealthAnalytics.Integration.Tests.Training;

/// <summary>Where a training run dies, as a killed process would stop, in the registry steps.</summary>
public enum CrashPoint
{
    /// <summary>Artifacts saved; the version entity never written.</summary>
    BeforeRegistration,

    /// <summary>Version entity written (a passing candidate); the champion pointer never moved.</summary>
    AfterRegistration,
}

/// <summary>A decorator on the registry port of one host: an armed model's next registration throws at the armed point.</summary>
public sealed class FaultInjector(IModelRegistry inner) : IModelRegistry
{
    private readonly ConcurrentDictionary<string, CrashPoint> armed = new(StringComparer.Ordinal);

    public void Arm(string model, CrashPoint point) => armed[model] = point;

    public Task<IReadOnlyList<ModelVersion>> ListAsync(string model, CancellationToken cancellationToken) => inner.ListAsync(model, cancellationToken);

    public Task<ModelVersion?> GetAsync(string model, string version, CancellationToken cancellationToken) => inner.GetAsync(model, version, cancellationToken);

    public Task<string?> GetChampionAsync(string model, CancellationToken cancellationToken) => inner.GetChampionAsync(model, cancellationToken);

    public async Task CreateAsync(ModelVersion version, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(version);
        Fire(version.Model, CrashPoint.BeforeRegistration);
        await inner.CreateAsync(version, cancellationToken);
        Fire(version.Model, CrashPoint.AfterRegistration);
    }

    public Task<PromotionResult> PromoteAsync(string model, string version, string? expectedChampion, CancellationToken cancellationToken)
        => inner.PromoteAsync(model, version, expectedChampion, cancellationToken);

    private void Fire(string model, CrashPoint point)
    {
        if (armed.TryGetValue(model, out var p) && p == point && armed.TryRemove(model, out _))
        {
            throw new IOException("Injected crash.");
        }
    }
}
