using HealthAnalytics.Serving;
using HealthAnalytics.Training;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

public static class ServingServiceCollectionExtensions
{
    /// <summary>Loaded champions for prediction (needs <c>AddTraining</c> for its options and the registry ports).</summary>
    public static IServiceCollection AddServing(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new ChampionModels(
            sp.GetRequiredService<IModelRegistry>(), sp.GetRequiredService<IModelArtifactStore>(), sp.GetRequiredService<TimeProvider>(),
            TrainingServiceCollectionExtensions.Options(sp).ChampionRefresh));
        return services;
    }
}
