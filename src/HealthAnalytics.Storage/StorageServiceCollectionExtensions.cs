using Azure.Core;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using HealthAnalytics.Contracts;
using HealthAnalytics.Curated;
using HealthAnalytics.Ingestion;
using HealthAnalytics.Storage;
using Microsoft.Extensions.Azure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using HealthAnalytics.Training;
using HealthAnalytics.Config;

namespace Microsoft.Extensions.DependencyInjection;

public static class StorageServiceCollectionExtensions
{
    /// <summary>
    /// Registers the storage clients (once, thread-safe singletons) from the <c>DataStorage</c> section and the
    /// Blob/Table implementations of the domain's ports, plus the start-up initializer of containers and tables.
    /// <c>DataStorage</c> is either a connection string (Azurite locally) or, in Azure, identity-based:
    /// <c>blobServiceUri</c>, <c>queueServiceUri</c>, <c>tableServiceUri</c>, <c>credential=managedidentity</c>,
    /// <c>clientId</c> (the same keys the Functions blob trigger reads, so one setting serves both).
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">Holds <c>DataStorage</c>.</param>
    /// <param name="configureClients">Optional: applied to the options of every storage client (Blob and
    /// Table) before it is built, e.g. to add an <see cref="Azure.Core.Pipeline.HttpPipelinePolicy"/> or change
    /// <see cref="ClientOptions.Retry"/>. Production passes nothing and keeps the SDK's defaults.</param>
    public static IServiceCollection AddHealthAnalyticsStorage(this IServiceCollection services, IConfiguration configuration, Action<ClientOptions>? configureClients = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var connection = configuration.GetSection(StorageOptions.ConnectionSectionName);
        services.AddOptions<StorageOptions>()
            .BindConfiguration(StorageOptions.SectionName)
            .Validate(o => StorageOptions.Validate(o) is null, "Storage: invalid container or table name(s).")
            .Validate(_ => HasConnection(connection), "DataStorage is not configured: set a connection string or DataStorage__blobServiceUri and DataStorage__tableServiceUri.")
            .ValidateOnStart();

        services.AddAzureClients(clients =>
        {
            clients.AddClient<BlobServiceClient, BlobClientOptions>((o, _, sp) => ConnectionString(connection) is { } cs
                ? new BlobServiceClient(cs, o)
                : new BlobServiceClient(ServiceUri(connection, "blob"), Credential(connection, sp), o));
            clients.AddClient<TableServiceClient, TableClientOptions>((o, _, sp) => ConnectionString(connection) is { } cs
                ? new TableServiceClient(cs, o)
                : new TableServiceClient(ServiceUri(connection, "table"), Credential(connection, sp), o));
            if (configureClients is not null)
            {
                clients.ConfigureDefaults(configureClients);
            }
        });

        services.AddSingleton<IUploadSource>(sp => new BlobUploadSource(Container(sp, o => o.UploadsContainer)));
        services.AddSingleton<ICuratedStore>(sp => new BlobCuratedStore(Container(sp, o => o.CuratedContainer)));
        services.AddSingleton<IReportStore>(sp => new BlobReportStore(Container(sp, o => o.ReportsContainer)));
        services.AddSingleton<IConfigStore>(sp => new BlobConfigStore(Container(sp, o => o.ConfigContainer)));
        services.AddSingleton<IUploadLedger>(sp => new TableUploadLedger(Table(sp, o => o.UploadsTable)));
        services.AddSingleton<ICuratedDataSource>(sp => new BlobCuratedDataSource(Container(sp, o => o.CuratedContainer)));
        services.AddSingleton<IModelRegistry>(sp => new TableModelRegistry(Table(sp, o => o.ModelsTable)));
        services.AddSingleton<IModelArtifactStore>(sp => new BlobModelArtifactStore(Container(sp, o => o.ModelsContainer)));
        services.AddSingleton<ITrainingLock>(sp => new BlobTrainingLock(Container(sp, o => o.ModelsContainer)));
        services.AddSingleton<ITrainingRunLedger>(sp => new TableTrainingRunLedger(Table(sp, o => o.ModelsTable)));
        services.AddHostedService<StorageInitializer>();
        return services;
    }

    private static TableClient Table(IServiceProvider sp, Func<StorageOptions, string> name)
        => sp.GetRequiredService<TableServiceClient>().GetTableClient(name(sp.GetRequiredService<IOptions<StorageOptions>>().Value));

    private static BlobContainerClient Container(IServiceProvider sp, Func<StorageOptions, string> name)
        => sp.GetRequiredService<BlobServiceClient>().GetBlobContainerClient(name(sp.GetRequiredService<IOptions<StorageOptions>>().Value));

    private static string? ConnectionString(IConfigurationSection section)
        => string.IsNullOrWhiteSpace(section.Value) ? null : section.Value;

    private static bool HasConnection(IConfigurationSection section)
        => ConnectionString(section) is not null
           || (!string.IsNullOrWhiteSpace(section["blobServiceUri"]) && !string.IsNullOrWhiteSpace(section["tableServiceUri"]))
           || !string.IsNullOrWhiteSpace(section["accountName"]);

    private static Uri ServiceUri(IConfigurationSection section, string service)
    {
        var explicitUri = section[$"{service}ServiceUri"];
        if (!string.IsNullOrWhiteSpace(explicitUri))
        {
            return new Uri(explicitUri);
        }

        var account = section["accountName"];
        return string.IsNullOrWhiteSpace(account)
            ? throw new InvalidOperationException($"DataStorage:{service}ServiceUri is not configured.")
            : new Uri($"https://{account}.{service}.core.windows.net");
    }

    // credential=managedidentity (+ clientId for a user-assigned identity) as in Functions' identity-based
    // connections; without it, DefaultAzureCredential. Never an account key.
    private static TokenCredential Credential(IConfigurationSection section, IServiceProvider sp)
        => sp.GetRequiredService<AzureComponentFactory>().CreateTokenCredential(section);
}
