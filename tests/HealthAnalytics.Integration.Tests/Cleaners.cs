using HealthAnalytics.Ingestion;
using Microsoft.Extensions.DependencyInjection;

namespace HealthAnalytics.Integration.Tests;

/// <summary>The real cleaner, counting its runs (to prove a redelivery does no second cleaning).</summary>
public sealed class CountingCleaner(IUploadCleaner inner) : IUploadCleaner
{
    private int calls;

    public int Calls => Volatile.Read(ref calls);

    /// <summary>Wraps the real <see cref="CsvUploadCleaner"/> in <paramref name="services"/>; the instance is
    /// returned once the provider creates it.</summary>
    public static Func<CountingCleaner> Register(IServiceCollection services)
    {
        CountingCleaner? created = null;
        services.AddSingleton<IUploadCleaner>(sp => created = new CountingCleaner(ActivatorUtilities.CreateInstance<CsvUploadCleaner>(sp)));
        return () => created ?? throw new InvalidOperationException("The cleaner was never resolved.");
    }

    public Task<QualityReport> CleanAsync(UploadRequest upload, Stream input, Stream curatedOutput, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref calls);
        return inner.CleanAsync(upload, input, curatedOutput, cancellationToken);
    }
}

/// <summary>A cleaner that always fails with a value in its message, to prove no message reaches the ledger.</summary>
public sealed class ThrowingCleaner : IUploadCleaner
{
    public const string SecretInMessage = "PATIENT-4711";

    public Task<QualityReport> CleanAsync(UploadRequest upload, Stream input, Stream curatedOutput, CancellationToken cancellationToken)
        => throw new InvalidOperationException($"cleaner exploded on {SecretInMessage}");
}
