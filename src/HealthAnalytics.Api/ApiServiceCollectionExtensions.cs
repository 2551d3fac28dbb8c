using HealthAnalytics.Api;

namespace Microsoft.Extensions.DependencyInjection;

public static class ApiServiceCollectionExtensions
{
    /// <summary>Registers the HTTP handlers both hosts call, and RFC 7807 problem details.</summary>
    public static IServiceCollection AddHealthAnalyticsApi(this IServiceCollection services)
    {
        services.AddProblemDetails();
        services.AddSingleton<HealthHandler>();
        services.AddSingleton<UploadsHandler>();
        return services;
    }
}
