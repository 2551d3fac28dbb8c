using HealthAnalytics.Config;
using HealthAnalytics.Contracts;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

public static class ConfigServiceCollectionExtensions
{
    /// <summary>The configuration catalog (contracts and model specs in force), its options (section <c>Config</c>)
    /// validated at start-up, and the contract lookup ingestion and prediction use. The store comes from the storage
    /// adapters' registration.</summary>
    public static IServiceCollection AddConfig(this IServiceCollection services)
    {
        services.AddOptions<ConfigOptions>().BindConfiguration(ConfigOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ConfigCatalog>();
        services.TryAddSingleton<IDatasetContractProvider>(sp => sp.GetRequiredService<ConfigCatalog>());
        return services;
    }
}
