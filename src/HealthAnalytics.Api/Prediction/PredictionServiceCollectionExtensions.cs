using HealthAnalytics.Api.Prediction;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

public static class PredictionServiceCollectionExtensions
{
    /// <summary>The predict handler and the background champion refresher (both hosts; needs <c>AddModelsApi</c>).</summary>
    public static IServiceCollection AddPrediction(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<PredictionHandler>();
        services.AddSingleton<HealthAnalytics.Api.OpenApi.OpenApiHandler>();
        services.AddHostedService<ChampionRefresher>();
        return services;
    }
}
