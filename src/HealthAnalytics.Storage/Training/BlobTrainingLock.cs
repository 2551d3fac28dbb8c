using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;
using HealthAnalytics.Training;

namespace HealthAnalytics.Storage;

/// <summary>
/// A 60-second blob lease on <c>models/{model}/training.lock</c>, renewed every 20 seconds while held, so two
/// instances never train the same model at once and a crashed instance frees the model within a minute.
/// </summary>
public sealed class BlobTrainingLock(BlobContainerClient container) : ITrainingLock
{
    private static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan RenewEvery = TimeSpan.FromSeconds(20);

    public async Task<IAsyncDisposable?> TryAcquireAsync(string model, CancellationToken cancellationToken)
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

        return new Held(lease);
    }

    private sealed class Held : IAsyncDisposable
    {
        private readonly BlobLeaseClient _lease;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _renewal;

        public Held(BlobLeaseClient lease)
        {
            _lease = lease;
            _renewal = RenewAsync();
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
