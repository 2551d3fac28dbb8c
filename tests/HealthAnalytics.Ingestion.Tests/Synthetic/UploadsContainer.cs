using Azure.Storage.Blobs;

namespace HealthAnalytics.Ingestion.Tests.Synthetic;

/// <summary>The Azurite <c>uploads</c> container the <c>./dev seed --upload</c> and <c>./dev upload</c> tests write to.</summary>
internal static class UploadsContainer
{
    public static string Connection() =>
        Environment.GetEnvironmentVariable("HA_STORAGE_CONNECTION") is { Length: > 0 } c
            ? c
            : throw new InvalidOperationException("HA_STORAGE_CONNECTION is not set: run through ./dev test (it starts Azurite) or export an Azurite connection string.");

    /// <summary>Asserts that <c>uploads/{blobName}</c> holds exactly the bytes of <paramref name="file"/>, then deletes the blob.</summary>
    public static async Task AssertHoldsThenDeleteAsync(string connection, string blobName, string file)
    {
        var ct = TestContext.Current.CancellationToken;
        var blob = new BlobContainerClient(connection, "uploads").GetBlobClient(blobName);
        var content = await blob.DownloadContentAsync(ct);
        Assert.Equal(await File.ReadAllBytesAsync(file, ct), content.Value.Content.ToArray());
        await blob.DeleteIfExistsAsync(cancellationToken: ct);
    }
}
