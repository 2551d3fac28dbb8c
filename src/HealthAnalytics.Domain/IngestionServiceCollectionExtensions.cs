using HealthAnalytics.Domain.Contracts;
using HealthAnalytics.Domain.Ingestion;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

public static class IngestionServiceCollectionExtensions
{
    /// <summary>
    /// Registers the cleaner, the contract catalog, the pseudonymizer and their options (sections
    /// <c>Ingestion</c> and <c>Pseudonymization</c>), validated at start-up: a missing or short key fails the start, and
    /// so does a wrong answer of the HMAC-SHA256 known-answer self-test (<see cref="PseudonymizationSelfTest"/>).
    /// Hosts replace <see cref="IContractOverrideSource"/> with the blob-backed one.
    /// </summary>
    public static IServiceCollection AddIngestionDomain(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<IngestionOptions>().BindConfiguration(IngestionOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<PseudonymizationOptions>().BindConfiguration(PseudonymizationOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        // Known-answer self-test of the multi-lane HMAC, run with the validation above: a wrong digest fails the start.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PseudonymizationOptions>, PseudonymizationSelfTest>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IContractOverrideSource, NoContractOverrides>();
        services.TryAddSingleton(sp => new ContractCatalog(sp.GetRequiredService<IContractOverrideSource>(), sp.GetRequiredService<IOptions<IngestionOptions>>().Value.ContractsFolder));
        services.TryAddSingleton<Pseudonymizer>();
        services.TryAddSingleton<IUploadCleaner, CsvUploadCleaner>();
        return services;
    }
}
