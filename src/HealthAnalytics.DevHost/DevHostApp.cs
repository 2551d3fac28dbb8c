using Microsoft.AspNetCore.Builder;

namespace HealthAnalytics.DevHost;

/// <summary>
/// Builds the dev host: the Function App's services and routes on Kestrel, with hosted twins of the blob and timer
/// triggers. Public so integration tests start the real host on a loopback port.
/// </summary>
public static class DevHostApp
{
    /// <param name="args">Command line (<c>--urls</c> etc.).</param>
    /// <param name="configure">Test hook: adjust configuration and services before the app is built.</param>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Services
            .AddHealthAnalyticsApp(builder.Configuration)
            .AddTriggerTwins();
        configure?.Invoke(builder);

        var app = builder.Build();
        app.UseHealthAnalyticsErrorPolicy();
        app.MapHealthAnalyticsApi();
        return app;
    }
}
