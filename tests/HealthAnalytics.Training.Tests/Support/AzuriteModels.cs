using Azure.Data.Tables;
using Azure.Storage.Blobs;
using HealthAnalytics.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using HealthAnalytics.Config;

namespace HealthAnalytics.Training.Tests.Support;

/// <summary>Fresh containers and table on the Azurite named by HA_STORAGE_CONNECTION, owned by one test.</summary>
internal sealed class AzuriteModels : IAsyncDisposable
{
    private AzuriteModels(string connection)
    {
        var id = Guid.NewGuid().ToString("N")[..12];
        Blobs = new BlobServiceClient(connection);
        Curated = Blobs.GetBlobContainerClient("curated-" + id);
        Models = Blobs.GetBlobContainerClient("models-" + id);
        Config = Blobs.GetBlobContainerClient("config-" + id);
        Table = new TableServiceClient(connection).GetTableClient("models" + id);
        Registry = new TableModelRegistry(Table);
        Artifacts = new BlobModelArtifactStore(Models);
        Lock = new BlobTrainingLock(Models);
        CuratedSource = new BlobCuratedDataSource(Curated);
        Catalog = new ConfigCatalog(new BlobConfigStore(Config), Microsoft.Extensions.Options.Options.Create(new ConfigOptions()), TimeProvider.System, NullLogger<ConfigCatalog>.Instance);
        Runs = new TableTrainingRunLedger(Table);
        Training = NewTraining(Registry);
    }

    public BlobServiceClient Blobs { get; }
    public BlobContainerClient Curated { get; }
    public BlobContainerClient Models { get; }
    public BlobContainerClient Config { get; }
    public TableClient Table { get; }
    public TableModelRegistry Registry { get; }
    public BlobModelArtifactStore Artifacts { get; }
    public BlobTrainingLock Lock { get; }
    public BlobCuratedDataSource CuratedSource { get; }
    public ConfigCatalog Catalog { get; }
    public TableTrainingRunLedger Runs { get; }
    public TrainingService Training { get; }

    /// <summary>Another training service (another "instance") over the same storage, with the registry given (e.g. a faulty decorator).</summary>
    public TrainingService NewTraining(HealthAnalytics.Training.IModelRegistry registry)
        => new(Catalog, CuratedSource, registry, Artifacts, Lock, Runs, TimeProvider.System, NullLogger<TrainingService>.Instance);

    /// <summary>Fails (never skips) when Azurite is not configured: these tests prove the storage adapters.</summary>
    public static async Task<AzuriteModels> CreateAsync()
    {
        var connection = Environment.GetEnvironmentVariable("HA_STORAGE_CONNECTION");
        Assert.False(string.IsNullOrWhiteSpace(connection), "HA_STORAGE_CONNECTION is not set: run `./dev test`, or start Azurite and export its connection string.");
        var azurite = new AzuriteModels(connection!);
        await azurite.Curated.CreateIfNotExistsAsync();
        await azurite.Config.CreateIfNotExistsAsync();
        return azurite;
    }

    /// <summary>Drops a curated upload as the cleaner would: <c>encounters/partner={partner}/{uploadId}.parquet</c>.</summary>
    public async Task AddUploadAsync(string uploadId, byte[] parquet, string partner = "partner-a") =>
        await Curated.GetBlobClient($"encounters/partner={partner}/{uploadId}.parquet").UploadAsync(BinaryData.FromBytes(parquet));

    public async ValueTask DisposeAsync()
    {
        await Curated.DeleteIfExistsAsync();
        await Models.DeleteIfExistsAsync();
        await Config.DeleteIfExistsAsync();
        await Table.DeleteAsync();
    }
}
