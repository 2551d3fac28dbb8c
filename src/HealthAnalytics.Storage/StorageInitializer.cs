using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HealthAnalytics.Storage;

/// <summary>Creates the containers and tables if missing, once, before the hosts start serving.</summary>
public sealed partial class StorageInitializer(
    BlobServiceClient blobs,
    TableServiceClient tables,
    IOptions<StorageOptions> options,
    ILogger<StorageInitializer> log) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        foreach (var container in o.Containers.Distinct(StringComparer.Ordinal))
        {
            await blobs.GetBlobContainerClient(container).CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        }

        foreach (var table in o.Tables.Distinct(StringComparer.Ordinal))
        {
            await tables.CreateTableIfNotExistsAsync(table, cancellationToken);
        }

        LogReady(log, o.Containers.Count(), o.Tables.Count());
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 2000, Level = LogLevel.Information, Message = "Storage ready: {Containers} containers, {Tables} tables")]
    private static partial void LogReady(ILogger logger, int containers, int tables);
}
