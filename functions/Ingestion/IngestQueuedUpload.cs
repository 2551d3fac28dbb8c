using System.Text.Json;
using Azure.Storage.Blobs;
using HealthAnalytics.Ingestion;
using HealthAnalytics.Storage;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HealthAnalytics.Functions;

/// <summary>
/// Queue-delivered twin of <see cref="IngestUpload"/> for a private app: Event Grid writes each <c>uploads/</c>
/// BlobCreated event to the data account's <c>upload-events</c> queue, which this function polls through the private
/// endpoint, and it calls the same <see cref="IngestionService.IngestAsync"/>. Infra runs exactly one of the two
/// (app settings <c>AzureWebJobs.{function}.Disabled</c>, docs/deploy.md "Upload events"). An exception makes the
/// message visible again; after the queue's maxDequeueCount it moves to <c>upload-events-poison</c>.
/// </summary>
public sealed partial class IngestQueuedUpload(IngestionService ingestion, IOptions<StorageOptions> storage, ILogger<IngestQueuedUpload> log)
{
    /// <summary>The queue infra/main.bicep creates and subscribes (the infra tests compare both names).</summary>
    public const string QueueName = "upload-events";

    [Function(nameof(IngestQueuedUpload))]
    public async Task RunAsync([QueueTrigger(QueueName, Connection = "DataStorage")] string message, CancellationToken cancellationToken)
    {
        if (UploadEvents.BlobName(message, storage.Value.UploadsContainer) is not { } blobName)
        {
            // Nothing from the message is logged: a blob name is partner data.
            LogIgnored(log);
            return;
        }

        await ingestion.IngestAsync(blobName, cancellationToken);
    }

    [LoggerMessage(EventId = 4010, Level = LogLevel.Warning, Message = "Upload event ignored: not a BlobCreated event of a blob in the uploads container")]
    private static partial void LogIgnored(ILogger logger);
}

/// <summary>Reads the blob name out of an Event Grid (Event Grid schema) BlobCreated event.</summary>
public static class UploadEvents
{
    /// <summary>The name of the blob (relative to the container, URL-decoded) of a BlobCreated event in
    /// <paramref name="uploadsContainer"/>; null for any other event or a message that is not one.</summary>
    public static string? BlobName(string message, string uploadsContainer)
    {
        ArgumentNullException.ThrowIfNull(message);
        try
        {
            using var document = JsonDocument.Parse(message);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("eventType", out var type) || type.ValueKind != JsonValueKind.String
                || type.GetString() != "Microsoft.Storage.BlobCreated"
                || !root.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object
                || !data.TryGetProperty("url", out var url) || url.ValueKind != JsonValueKind.String
                || !Uri.TryCreate(url.GetString(), UriKind.Absolute, out var uri))
            {
                return null;
            }

            // The URL, not the subject: BlobUriBuilder decodes the name the way the blob trigger sees it.
            var blob = new BlobUriBuilder(uri);
            return blob.BlobContainerName == uploadsContainer && !string.IsNullOrEmpty(blob.BlobName) ? blob.BlobName : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
