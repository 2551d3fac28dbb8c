using HealthAnalytics.Domain.Application;
using HealthAnalytics.Domain.Ports;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

public static class IngestionOrchestrationServiceCollectionExtensions
{
    /// <summary>
    /// Registers the ingestion orchestration (<see cref="IngestionService"/>) and its options, validated at
    /// start-up. Storage ports come from <c>AddHealthAnalyticsStorage</c>, the cleaner from the domain's own
    /// extension; renderer and contract lookup fall back to simple implementations when none is registered.
    /// </summary>
    public static IServiceCollection AddIngestion(this IServiceCollection services)
    {
        services.AddOptions<IngestionRunOptions>()
            .BindConfiguration(IngestionRunOptions.SectionName)
            .Validate(o => o.MaxUploadBytes > 0, "Ingestion:MaxUploadBytes must be positive.")
            .Validate(o => o.MaxAttempts is >= 1 and <= 100, "Ingestion:MaxAttempts must be between 1 and 100.")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IReportRenderer, BasicReportRenderer>();
        services.TryAddSingleton<IDatasetContractProvider>(
            _ => new ShippedContractProvider(Path.Combine(AppContext.BaseDirectory, "config", "contracts")));
        services.TryAddSingleton<IngestionService>();
        return services;
    }
}
