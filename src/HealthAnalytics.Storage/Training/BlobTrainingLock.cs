using System.Globalization;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using HealthAnalytics.Training;

namespace HealthAnalytics.Storage;

/// <summary>
/// A 60-second blob lease on <c>models/{model}/training.lock</c>, renewed every 20 seconds while held, so two
/// instances never train the same model at once and a crashed instance frees the model within a minute. The holder
/// writes its stage into the blob's metadata (under its lease); the stage counts only while the lease is held, so a
/// crashed run's last stage disappears with its lease.
/// </summary>
public sealed class BlobTrainingLock(BlobContainerClient container) : ITrainingLock
{
    private static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan RenewEvery = TimeSpan.FromSeconds(20);
    private const string StageKey = "stage";
    private const string StartedKey = "started";
    private const string StageAtKey = "stageat";

    public async Task<ITrainingLease?> TryAcquireAsync(string model, CancellationToken cancellationToken)
    {
        await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        var blob = container.GetBlobClient($"{model}/training.lock");
        try
        {
            await blob.UploadAsync(BinaryData.Empty, overwrite: false, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            // Exists already (or is leased): the lease below decides.
        }

        var lease = blob.GetBlobLeaseClient();
        try
        {
            await lease.AcquireAsync(LeaseDuration, cancellationToken: cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            return null;
        }

        return new Held(blob, lease, DateTimeOffset.UtcNow);
    }

    public async Task<TrainingProgress?> GetProgressAsync(string model, CancellationToken cancellationToken)
    {
        try
        {
            var properties = (await container.GetBlobClient($"{model}/training.lock").GetPropertiesAsync(cancellationToken: cancellationToken)).Value;
            if (properties.LeaseState != LeaseState.Leased || !properties.Metadata.TryGetValue(StageKey, out var stage))
            {
                return null;
            }

            return new TrainingProgress(stage, Time(properties.Metadata, StartedKey), Time(properties.Metadata, StageAtKey));
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    private static DateTimeOffset Time(IDictionary<string, string> metadata, string key) =>
        metadata.TryGetValue(key, out var text) && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var t) ? t : default;

    private sealed class Held : ITrainingLease
    {
        private readonly BlobClient _blob;
        private readonly BlobLeaseClient _lease;
        private readonly DateTimeOffset _started;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _renewal;

        public Held(BlobClient blob, BlobLeaseClient lease, DateTimeOffset started)
        {
            _blob = blob;
            _lease = lease;
            _started = started;
            _renewal = RenewAsync();
        }

        public async Task ReportStageAsync(string stage, CancellationToken cancellationToken)
        {
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                [StageKey] = stage,
                [StartedKey] = _started.ToString("o", CultureInfo.InvariantCulture),
                [StageAtKey] = DateTimeOffset.UtcNow.ToString("o", CultureInfo.InvariantCulture),
            };
            try
            {
                // Under the lease: only the holder writes the stage.
                await _blob.SetMetadataAsync(metadata, new BlobRequestConditions { LeaseId = _lease.LeaseId }, cancellationToken);
            }
            catch (RequestFailedException)
            {
                // The stage is information; losing one write (or the lease) must not fail the run.
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            try
            {
                await _renewal;
            }
            catch (OperationCanceledException)
            {
                // expected on release
            }

            try
            {
                await _lease.ReleaseAsync();
            }
            catch (RequestFailedException)
            {
                // Lost or expired: nothing to release, the lease frees itself.
            }

            _stop.Dispose();
        }

        private async Task RenewAsync()
        {
            using var timer = new PeriodicTimer(RenewEvery);
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                await _lease.RenewAsync(cancellationToken: _stop.Token);
            }
        }
    }
}
