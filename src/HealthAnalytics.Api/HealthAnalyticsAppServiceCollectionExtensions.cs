using Azure.Core;
using HealthAnalytics.Api;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Microsoft.Extensions.DependencyInjection;

public static class HealthAnalyticsAppServiceCollectionExtensions
{
    /// <summary>
    /// The whole app, as the Function App, the dev host and the tests run it: storage clients and adapters, ingestion,
    /// training, serving and the HTTP handlers, every option validated at start-up. Each host then adds only what is
    /// its own: the Function App its triggers, telemetry and worker middleware; the dev host its routes, error policy
    /// and the hosted twins of the blob and timer triggers.
    /// </summary>
    /// <param name="configureStorageClients">Optional: applied to every storage client's options (tests inject faults
    /// here); production passes nothing.</param>
    public static IServiceCollection AddHealthAnalyticsApp(this IServiceCollection services, IConfiguration configuration, Action<ClientOptions>? configureStorageClients = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services
            .AddHealthAnalyticsStorage(configuration, configureStorageClients)
            .AddConfig()
            .AddIngestion()
            .AddTraining(configuration)
            .AddServing();

        services.AddProblemDetails();

        // ASP.NET Core's hosting logger opens a scope holding the request path and logs "Request starting
        // {path}". A client may type an identifier into a route value (/api/models/{MRN}/predict), and any sink
        // that renders scopes would then store it. Switching the category off also stops the scope being opened.
        services.Configure<LoggerFilterOptions>(filters => filters.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None));

        // AddAzureClients forwards the Azure SDK's events (of every client in the process) to ILogger. Below Error they
        // carry each request's URL, and a blob URL holds the blob name: a partner's file name, which may be patient data
        // (issue #13). The dev host's appsettings said so already; the Function App had no such filter.
        services.Configure<LoggerFilterOptions>(filters => filters.AddFilter("Azure", LogLevel.Error));
        services.AddSingleton<HealthHandler>();
        services.AddSingleton<UploadsHandler>();
        services.AddSingleton<ModelsHandler>();
        services.AddSingleton<PredictionHandler>();
        services.AddSingleton<OpenApiHandler>();
        services.AddSingleton<ConfigHandler>();
        services.AddSingleton<ModelCardHandler>();
        services.AddSingleton<ConsoleHandler>();
        services.AddSingleton<ContractInferenceHandler>();
        services.AddHostedService<ChampionRefresher>();
        return services;
    }
}
