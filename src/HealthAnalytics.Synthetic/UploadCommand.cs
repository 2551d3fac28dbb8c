using Azure;
using Azure.Storage.Blobs;
using HealthAnalytics.Contracts;
using HealthAnalytics.Ingestion;

namespace HealthAnalytics.Synthetic;

/// <summary>
/// <c>upload FILE --partner P --dataset D [--connection CS]</c> (<c>./dev upload</c>): puts a partner's file where a
/// partner drops it, <c>uploads/{partner}/{dataset}/{file name}</c>, on the storage account of the connection string
/// (<c>./dev run</c>'s Azurite by default), so that a new dataset's CSV reaches ingestion on a laptop the way it does in
/// Azure (docs/contracts.md, "A new dataset on `./dev run`").
/// </summary>
public static class UploadCommand
{
    public const string Usage =
        "usage: upload FILE --partner PARTNER --dataset DATASET [--connection CONNECTION_STRING]\n" +
        "  puts FILE at uploads/{partner}/{dataset}/{file name} (container created if missing), where ingestion picks it up.";

    /// <returns>The process exit code: 0 on success, 2 on a usage error, 1 when the storage refused the upload.</returns>
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        if (args is not [var file, .. var rest] || file.StartsWith("--", StringComparison.Ordinal))
        {
            await stderr.WriteLineAsync(Usage);
            return 2;
        }

        string? partner = null, dataset = null, connection = null;
        for (var i = 0; i < rest.Length; i++)
        {
            switch (rest[i])
            {
                case "--partner" when i + 1 < rest.Length: partner = rest[++i]; break;
                case "--dataset" when i + 1 < rest.Length: dataset = rest[++i]; break;
                case "--connection" when i + 1 < rest.Length: connection = rest[++i]; break;
                default:
                    await stderr.WriteLineAsync(Usage);
                    return 2;
            }
        }

        connection ??= Environment.GetEnvironmentVariable("HA_STORAGE_CONNECTION");
        if (partner is null || dataset is null || string.IsNullOrWhiteSpace(connection))
        {
            await stderr.WriteLineAsync("upload: --partner and --dataset are required, and a connection string (--connection or HA_STORAGE_CONNECTION; ./dev upload reads ./dev run's)");
            await stderr.WriteLineAsync(Usage);
            return 2;
        }

        // The dataset segment names the contract (the naming rule); the whole name must be one ingestion accepts.
        if (!ConfigNames.IsValid(dataset))
        {
            await stderr.WriteLineAsync($"upload: --dataset must be {ConfigNames.Rule}");
            return 2;
        }

        if (!File.Exists(file))
        {
            await stderr.WriteLineAsync("upload: no such file");
            return 2;
        }

        string blobName = $"{partner}/{dataset}/{Path.GetFileName(file)}";
        if (UploadNaming.Problem(blobName) is { } problem)
        {
            await stderr.WriteLineAsync($"upload: ingestion would refuse this blob name: {problem}");
            return 2;
        }

        try
        {
            await PutAsync(connection, blobName, file, cancellationToken);
        }
        catch (RequestFailedException e)
        {
            await stderr.WriteLineAsync($"upload: the storage refused the upload ({e.Status} {e.ErrorCode})");
            return 1;
        }

        await stdout.WriteLineAsync($"uploads/{blobName}");
        return 0;
    }

    /// <summary>Writes <paramref name="path"/> to <c>uploads/{blobName}</c> (the container created if missing), replacing a blob of that name.</summary>
    internal static async Task PutAsync(string connection, string blobName, string path, CancellationToken cancellationToken)
    {
        var container = new BlobContainerClient(connection, "uploads");
        await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        await using FileStream stream = File.OpenRead(path);
        await container.GetBlobClient(blobName).UploadAsync(stream, overwrite: true, cancellationToken);
    }
}
