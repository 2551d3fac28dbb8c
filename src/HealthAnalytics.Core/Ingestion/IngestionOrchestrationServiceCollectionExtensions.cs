using HealthAnalytics.Contracts;
using HealthAnalytics.Ingestion;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

public static class IngestionOrchestrationServiceCollectionExtensions
{
    /// <summary>
    /// Registers ingestion as both hosts run it: the domain (cleaner, contract catalog, pseudonymizer and their
    /// options) and the orchestration (<see cref="IngestionService"/>), every option validated at start-up.
    /// Storage ports, including the blob-backed contract overrides, come from <c>AddHealthAnalyticsStorage</c>.
    /// </summary>
    public static IServiceCollection AddIngestion(this IServiceCollection services)
    {
        services.AddIngestionDomain();
        services.AddOptions<IngestionRunOptions>()
            .BindConfiguration(IngestionRunOptions.SectionName)
            .Validate(o => o.MaxAttempts is >= 1 and <= 100, "Ingestion:MaxAttempts must be between 1 and 100.")
            .Validate(o => o.ClaimTimeout >= TimeSpan.FromSeconds(1) && o.ClaimTimeout <= TimeSpan.FromDays(1), "Ingestion:ClaimTimeout must be between 1 second and 1 day.")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IReportRenderer, QualityReportRenderer>();
        services.TryAddSingleton<IDatasetContractProvider, CatalogContractProvider>();
        services.TryAddSingleton<IngestionService>();
        services.TryAddSingleton<StalledUploadRecovery>();
        return services;
    }
}
