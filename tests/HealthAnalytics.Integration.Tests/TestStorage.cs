using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace HealthAnalytics.Integration.Tests;

/// <summary>
/// One test's own storage on the real Azurite: fresh Guid-named containers and tables, configured through the
/// same <c>Storage</c> options the hosts read. Deleted on dispose.
/// </summary>
public sealed class TestStorage : IAsyncDisposable
{
    private readonly string id = Guid.NewGuid().ToString("N")[..20];

    public TestStorage()
    {
        ConnectionString = Environment.GetEnvironmentVariable("HA_STORAGE_CONNECTION") is { Length: > 0 } cs
            ? cs
            : throw new InvalidOperationException(
                "HA_STORAGE_CONNECTION is not set: these tests need Azurite. Run them with `./dev test`, or start Azurite and export its connection string.");
        Blobs = new BlobServiceClient(ConnectionString);
        Tables = new TableServiceClient(ConnectionString);
    }

    public string ConnectionString { get; }
    public BlobServiceClient Blobs { get; }
    public TableServiceClient Tables { get; }
    public string UploadsContainer => $"t{id}-uploads";
    public string CuratedContainer => $"t{id}-curated";
    public string ReportsContainer => $"t{id}-reports";
    public string ModelsContainer => $"t{id}-models";
    public string ConfigContainer => $"t{id}-config";
    public string UploadsTable => $"t{id}uploads";
    public string ModelsTable => $"t{id}models";

    public BlobContainerClient Uploads => Blobs.GetBlobContainerClient(UploadsContainer);
    public BlobContainerClient Curated => Blobs.GetBlobContainerClient(CuratedContainer);
    public BlobContainerClient Reports => Blobs.GetBlobContainerClient(ReportsContainer);
    public TableClient Ledger => Tables.GetTableClient(UploadsTable);

    public Dictionary<string, string?> Settings(long? maxUploadBytes = null) => new()
    {
        ["DataStorage"] = ConnectionString,
        ["Storage:UploadsContainer"] = UploadsContainer,
        ["Storage:CuratedContainer"] = CuratedContainer,
        ["Storage:ReportsContainer"] = ReportsContainer,
        ["Storage:ModelsContainer"] = ModelsContainer,
        ["Storage:ConfigContainer"] = ConfigContainer,
        ["Storage:UploadsTable"] = UploadsTable,
        ["Storage:ModelsTable"] = ModelsTable,
        ["Ingestion:MaxUploadBytes"] = (maxUploadBytes ?? 64 * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Ingestion:MaxAttempts"] = "3",
        ["DevHost:PollInterval"] = "00:00:00.200",

        // Tests store configuration and use it at once: the catalog re-lists the store every second.
        ["Config:RefreshInterval"] = "00:00:01",

        // Not a secret: tests run on synthetic data only.
        ["Pseudonymization:Key"] = "integration-tests-key-not-secret-0123456789abcdef",
        ["Pseudonymization:KeyId"] = "tests",
    };

    /// <summary>The services the Function App registers (the real cleaner included), over this test's storage,
    /// with containers and tables created by the real start-up initializer.</summary>
    public async Task<ServiceProvider> StartServicesAsync(long? maxUploadBytes = null, Action<IServiceCollection>? configure = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(Settings(maxUploadBytes)).Build();
        var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton<IConfiguration>(configuration)
            .AddHealthAnalyticsApp(configuration);
        configure?.Invoke(services);
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        foreach (var hosted in provider.GetServices<IHostedService>())
        {
            await hosted.StartAsync(TestContext.Current.CancellationToken);
        }

        return provider;
    }

    public async Task UploadAsync(string name, byte[] content)
        => await Uploads.GetBlobClient(name).UploadAsync(BinaryData.FromBytes(content), overwrite: true, TestContext.Current.CancellationToken);

    public async Task<List<string>> CuratedBlobsAsync()
    {
        var names = new List<string>();
        await foreach (var item in Curated.GetBlobsAsync(cancellationToken: TestContext.Current.CancellationToken))
        {
            names.Add(item.Name);
        }

        return names;
    }

    public async Task<List<TableEntity>> LedgerEntitiesAsync()
    {
        var entities = new List<TableEntity>();
        await foreach (var e in Ledger.QueryAsync<TableEntity>(cancellationToken: TestContext.Current.CancellationToken))
        {
            entities.Add(e);
        }

        return entities;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var container in new[] { UploadsContainer, CuratedContainer, ReportsContainer, ModelsContainer, ConfigContainer })
        {
            await Blobs.GetBlobContainerClient(container).DeleteIfExistsAsync();
        }

        foreach (var table in new[] { UploadsTable, ModelsTable })
        {
            await Tables.DeleteTableAsync(table);
        }
    }
}
