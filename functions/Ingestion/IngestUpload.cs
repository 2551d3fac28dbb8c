using Azure.Storage.Blobs;
using HealthAnalytics.Ingestion;
using Microsoft.Azure.Functions.Worker;

namespace HealthAnalytics.Functions;

/// <summary>Event Grid blob trigger on <c>uploads/</c>: one upload, one invocation. An exception makes the
/// host redeliver; the service records attempts and ends the upload as <c>failed</c> at the budget.</summary>
public sealed class IngestUpload(IngestionService ingestion)
{
    [Function(nameof(IngestUpload))]
    public async Task RunAsync(
        [BlobTrigger("uploads/{name}", Source = BlobTriggerSource.EventGrid, Connection = "DataStorage")] BlobClient blob,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        await ingestion.IngestAsync(blob.Name, cancellationToken);
    }
}
