namespace HealthAnalytics.Training.Tests.Support;

/// <summary>Where a training run "crashes" (throws, as a killed process would stop) in the registry steps.</summary>
public enum CrashPoint
{
    /// <summary>Artifacts are saved, the version entity is not written.</summary>
    BeforeRegistration,

    /// <summary>The version entity is written, the pointer is not moved.</summary>
    AfterRegistration,

    /// <summary>The pointer is moved (and statuses written), the run never learns it.</summary>
    AfterPromotion,
}

/// <summary>The real registry with one armed fault: the step named by <see cref="Crash"/> throws once.</summary>
public sealed class FaultyRegistry(IModelRegistry inner) : IModelRegistry
{
    public CrashPoint? Crash { get; set; }

    public Task<IReadOnlyList<ModelVersion>> ListAsync(string model, CancellationToken cancellationToken) => inner.ListAsync(model, cancellationToken);

    public Task<ModelVersion?> GetAsync(string model, string version, CancellationToken cancellationToken) => inner.GetAsync(model, version, cancellationToken);

    public Task<string?> GetChampionAsync(string model, CancellationToken cancellationToken) => inner.GetChampionAsync(model, cancellationToken);

    public async Task CreateAsync(ModelVersion version, CancellationToken cancellationToken)
    {
        Fire(CrashPoint.BeforeRegistration);
        await inner.CreateAsync(version, cancellationToken);
        Fire(CrashPoint.AfterRegistration);
    }

    public async Task<PromotionResult> PromoteAsync(string model, string version, string? expectedChampion, CancellationToken cancellationToken)
    {
        var result = await inner.PromoteAsync(model, version, expectedChampion, cancellationToken);
        Fire(CrashPoint.AfterPromotion);
        return result;
    }

    private void Fire(CrashPoint point)
    {
        if (Crash == point)
        {
            Crash = null;
            throw new InjectedCrashException();
        }
    }
}

public sealed class InjectedCrashException : Exception
{
    public InjectedCrashException()
        : base("Injected crash.")
    {
    }

    public InjectedCrashException(string message)
        : base(message)
    {
    }

    public InjectedCrashException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
