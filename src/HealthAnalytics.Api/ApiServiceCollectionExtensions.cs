using HealthAnalytics.Api;
using Microsoft.Extensions.Logging;

namespace Microsoft.Extensions.DependencyInjection;

public static class ApiServiceCollectionExtensions
{
    /// <summary>Registers the HTTP handlers both hosts call, and RFC 7807 problem details.</summary>
    public static IServiceCollection AddHealthAnalyticsApi(this IServiceCollection services)
    {
        services.AddProblemDetails();

        // ASP.NET Core's hosting logger opens a scope holding the request path and logs "Request starting
        // {path}". A client may type an identifier into a route value (/api/models/{MRN}/predict), and any sink
        // that renders scopes would then store it. Switching the category off also stops the scope being opened.
        services.Configure<LoggerFilterOptions>(filters => filters.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None));
        services.AddSingleton<HealthHandler>();
        services.AddSingleton<UploadsHandler>();
        return services;
    }
}
