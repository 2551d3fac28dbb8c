using HealthAnalytics.Api.Models;
using Microsoft.Extensions.Configuration;

namespace Microsoft.Extensions.DependencyInjection;

public static class ModelsServiceCollectionExtensions
{
    /// <summary>Training, the registry and the model HTTP handlers (both hosts).</summary>
    public static IServiceCollection AddModelsApi(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddTraining(configuration);
        services.AddSingleton<ModelsHandler>();
        return services;
    }
}
