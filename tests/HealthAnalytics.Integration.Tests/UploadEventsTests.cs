using HealthAnalytics.Functions;

namespace HealthAnalytics.Integration.Tests;

/// <summary>The blob name the queue-delivered ingestion function reads out of an Event Grid BlobCreated event.</summary>
public sealed class UploadEventsTests
{
    /// <summary>An Event Grid schema BlobCreated event as Event Grid writes it to a storage queue (decoded from Base64).</summary>
    private static string BlobCreated(string url, string eventType = "Microsoft.Storage.BlobCreated") => $$"""
        {
          "topic": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/sthaexample",
          "subject": "/blobServices/default/containers/uploads/blobs/ignored-by-the-reader",
          "eventType": "{{eventType}}",
          "id": "5d9b3f0e-601e-0045-7d1a-6a1a2f000000",
          "data": {
            "api": "PutBlockList",
            "contentType": "text/csv",
            "contentLength": 524288,
            "blobType": "BlockBlob",
            "url": "{{url}}",
            "sequencer": "00000000000000000000000000005E0F000000000000c4a3"
          },
          "dataVersion": "",
          "metadataVersion": "1",
          "eventTime": "2026-01-05T10:00:00.0000000Z"
        }
        """;

    [Fact]
    public void BlobName_OfABlobCreatedEventInUploads_IsThePathBelowTheContainer_UrlDecoded()
    {
        var message = BlobCreated("https://sthaexample.blob.core.windows.net/uploads/hospital-a/encounters/jan%202026%20%C3%A9t%C3%A9.csv");

        Assert.Equal("hospital-a/encounters/jan 2026 été.csv", UploadEvents.BlobName(message, "uploads"));
    }

    [Fact]
    public void BlobName_OfAnotherContainer_IsNull()
    {
        var message = BlobCreated("https://sthaexample.blob.core.windows.net/curated/encounters/partner%3Da/x.parquet");

        Assert.Null(UploadEvents.BlobName(message, "uploads"));
    }

    [Fact]
    public void BlobName_OfAnotherEventType_IsNull()
    {
        var message = BlobCreated("https://sthaexample.blob.core.windows.net/uploads/hospital-a/encounters/x.csv", "Microsoft.Storage.BlobDeleted");

        Assert.Null(UploadEvents.BlobName(message, "uploads"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("{\"eventType\":\"Microsoft.Storage.BlobCreated\"}")]
    [InlineData("{\"eventType\":\"Microsoft.Storage.BlobCreated\",\"data\":{\"url\":42}}")]
    [InlineData("{\"eventType\":\"Microsoft.Storage.BlobCreated\",\"data\":{\"url\":\"not a url\"}}")]
    [InlineData("{\"eventType\":\"Microsoft.Storage.BlobCreated\",\"data\":{\"url\":\"https://sthaexample.blob.core.windows.net/uploads\"}}")]
    public void BlobName_OfAMessageThatIsNotABlobCreatedEvent_IsNull(string message)
    {
        Assert.Null(UploadEvents.BlobName(message, "uploads"));
    }
}
