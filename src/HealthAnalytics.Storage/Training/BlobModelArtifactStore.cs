using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using HealthAnalytics.Training;

namespace HealthAnalytics.Storage;

/// <summary>Artifacts in container <c>models</c>: <c>{model}/{version}/model.zip</c>, <c>card.json</c>, <c>card.html</c>; written once.</summary>
public sealed class BlobModelArtifactStore(BlobContainerClient container) : IModelArtifactStore
{
    private int _created;

    public async Task SaveAsync(string model, string version, byte[] modelZip, string cardJson, string cardHtml, CancellationToken cancellationToken)
    {
        await EnsureAsync(cancellationToken);

        // model.zip last: a version is only registered after all three exist.
        await PutAsync($"{model}/{version}/card.json", BinaryData.FromString(cardJson), "application/json", cancellationToken);
        await PutAsync($"{model}/{version}/card.html", BinaryData.FromString(cardHtml), "text/html; charset=utf-8", cancellationToken);
        await PutAsync($"{model}/{version}/model.zip", BinaryData.FromBytes(modelZip), "application/zip", cancellationToken);
    }

    public async Task<byte[]?> ReadModelAsync(string model, string version, CancellationToken cancellationToken) =>
        (await ReadAsync($"{model}/{version}/model.zip", cancellationToken))?.ToArray();

    public async Task<string?> ReadCardAsync(string model, string version, CancellationToken cancellationToken) =>
        (await ReadAsync($"{model}/{version}/card.json", cancellationToken))?.ToString();

    public async Task<string?> ReadCardHtmlAsync(string model, string version, CancellationToken cancellationToken) =>
        (await ReadAsync($"{model}/{version}/card.html", cancellationToken))?.ToString();

    private async Task PutAsync(string name, BinaryData content, string contentType, CancellationToken cancellationToken)
    {
        // If-None-Match: * — a version's artifacts never change once written.
        await container.GetBlobClient(name).UploadAsync(content, new BlobUploadOptions
        {
            HttpHeaders = new BlobHttpHeaders { ContentType = contentType },
            Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
        }, cancellationToken);
    }

    private async Task<BinaryData?> ReadAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            return (await container.GetBlobClient(name).DownloadContentAsync(cancellationToken)).Value.Content;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    private async Task EnsureAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _created) == 0)
        {
            await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
            Volatile.Write(ref _created, 1);
        }
    }
}
