using HealthAnalytics.Contracts;
using HealthAnalytics.Ingestion;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

public static class IngestionServiceCollectionExtensions
{
    /// <summary>
    /// Ingestion as both hosts run it: the contract catalog, the cleaner, the pseudonymizer, the report renderer and
    /// <see cref="IngestionService"/>, with options (sections <c>Ingestion</c> and <c>Pseudonymization</c>) validated at
    /// start-up: a missing, weak or unresolved key fails the start (<see cref="PseudonymizationKeyValidation"/>), and so
    /// does a wrong answer of the HMAC-SHA256 known-answer self-test (<see cref="PseudonymizationSelfTest"/>). Contracts come from the configuration catalog (<c>AddConfig</c>),
    /// the storage ports (uploads, curated, reports, ledger) from the storage adapters' registration.
    /// </summary>
    public static IServiceCollection AddIngestion(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<IngestionOptions>().BindConfiguration(IngestionOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<PseudonymizationOptions>().BindConfiguration(PseudonymizationOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PseudonymizationOptions>, PseudonymizationKeyValidation>());

        // Known-answer self-test of the multi-lane HMAC, run with the validation above: a wrong digest fails the start.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PseudonymizationOptions>, PseudonymizationSelfTest>());
        services.AddOptions<IngestionRunOptions>()
            .BindConfiguration(IngestionRunOptions.SectionName)
            .Validate(o => o.MaxAttempts is >= 1 and <= 100, "Ingestion:MaxAttempts must be between 1 and 100.")
            .Validate(o => o.ClaimTimeout >= TimeSpan.FromSeconds(1) && o.ClaimTimeout <= TimeSpan.FromDays(1), "Ingestion:ClaimTimeout must be between 1 second and 1 day.")
            .Validate(o => o.ProgressInterval >= TimeSpan.FromMilliseconds(100) && o.ProgressInterval <= TimeSpan.FromMinutes(10), "Ingestion:ProgressInterval must be between 100 ms and 10 minutes.")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<Pseudonymizer>();
        services.TryAddSingleton<IUploadCleaner, CsvUploadCleaner>();
        services.TryAddSingleton<IReportRenderer, QualityReportRenderer>();
        services.TryAddSingleton<IngestionService>();
        services.TryAddSingleton<StalledUploadRecovery>();
        return services;
    }
}
