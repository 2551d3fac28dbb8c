using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HealthAnalytics.Ingestion;

/// <summary>
/// Finishes uploads left <c>processing</c> by a host that died. A redelivery that arrives while the dead run's claim
/// is live is acknowledged as <see cref="IngestionDisposition.InProgress"/>, so on Azure nothing else would bring the
/// upload back: this sweep, run on a schedule by both hosts, re-ingests every upload whose claim expired (or whose
/// failed attempt was released and never redelivered) from its blob. When the blob no longer holds those bytes, the
/// upload ends as <c>failed</c> with a report. Bounded: each pass costs one attempt of each stalled upload, and the
/// attempt budget ends every upload as <c>failed</c> eventually.
/// </summary>
public sealed partial class StalledUploadRecovery(
    IUploadLedger ledger,
    IngestionService ingestion,
    IUploadSource uploads,
    Pseudonymizer pseudonymizer,
    IOptions<IngestionRunOptions> options,
    TimeProvider time,
    ILogger<StalledUploadRecovery> log)
{
    /// <summary>Reason recorded when the stalled upload's blob is gone or now holds other bytes.</summary>
    public const string SourceGoneReason = "UploadSourceGone";

    /// <summary>Most <c>processing</c> entries (newest first) one pass examines; a later pass reaches the rest as they settle.</summary>
    public const int MaxPerPass = 100;

    /// <summary>One sweep. Returns how many stalled uploads it found.</summary>
    public async Task<int> RecoverAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var timeout = options.Value.ClaimTimeout;
        var processing = await ledger.QueryAsync(dataset: null, partner: null, UploadStatus.Processing, MaxPerPass, cancellationToken);

        // A live claim belongs to a running host. A released claim (a failed attempt) is normally redelivered at
        // once; only one untouched for a whole claim timeout is stalled.
        var stalled = processing.Where(e => (e.ClaimedUntil ?? e.UpdatedAt + timeout) < now).ToList();
        foreach (var entry in stalled)
        {
            try
            {
                var blobName = await SourceNameAsync(entry, cancellationToken);
                var result = blobName is null ? null : await ingestion.IngestAsync(blobName, cancellationToken);
                if (result?.UploadId != entry.UploadId)
                {
                    // The blob is gone, or holds other bytes (ingested, if new, as an upload of their own).
                    await ingestion.AbandonAsync(entry, SourceGoneReason, cancellationToken);
                }
            }
            catch (Exception ex) when (!(ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
            {
                // The attempt is recorded by the ingestion; the next pass (or the budget) settles it.
                LogRecoveryAttemptFailed(log, entry.UploadId, ex.GetType().Name);
            }
        }

        if (stalled.Count > 0)
        {
            LogSwept(log, stalled.Count);
        }

        return stalled.Count;
    }

    /// <summary>The blob an entry came from. The ledger shows an identifying file name hashed, so when the shown name
    /// does not lead back to the entry's <see cref="UploadLedgerEntry.SourceKey"/>, the partner's and dataset's blobs
    /// are listed and the one with that keyed hash is taken; null when none has it (gone).</summary>
    private async Task<string?> SourceNameAsync(UploadLedgerEntry entry, CancellationToken cancellationToken)
    {
        var shown = UploadNaming.BlobName(entry.Partner, entry.Dataset, entry.FileName);
        if (entry.SourceKey is null || UploadNaming.SourceKey(shown, pseudonymizer.Pseudonymize) == entry.SourceKey)
        {
            return shown;
        }

        await foreach (var blob in uploads.ListAsync($"{entry.Partner}/{entry.Dataset}/", cancellationToken))
        {
            if (UploadNaming.SourceKey(blob.Name, pseudonymizer.Pseudonymize) == entry.SourceKey)
            {
                return blob.Name;
            }
        }

        return null;
    }

    [LoggerMessage(EventId = 1050, Level = LogLevel.Warning, Message = "Stalled upload {UploadId}: recovery attempt failed ({Reason}); the next sweep retries")]
    private static partial void LogRecoveryAttemptFailed(ILogger logger, string uploadId, string reason);

    [LoggerMessage(EventId = 1051, Level = LogLevel.Information, Message = "Stalled-upload sweep: {Count} uploads recovered or ended")]
    private static partial void LogSwept(ILogger logger, int count);
}
