using System.ComponentModel.DataAnnotations;
using HealthAnalytics.Ingestion;
using Microsoft.Extensions.Options;

namespace HealthAnalytics.DevHost;

/// <summary>Settings of the dev host's upload poller (section <c>DevHost</c>).</summary>
public sealed class UploadPollingOptions
{
    public const string SectionName = "DevHost";

    /// <summary>How often <c>uploads/</c> is listed. At most 1 s, so a new blob is picked up within 2 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:00:01")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How often <see cref="StalledUploadSweeper"/> runs; 10 minutes, like the Function App's
    /// <c>RecoverStalledUploads</c> timer.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "1.00:00:00")]
    public TimeSpan StalledSweepInterval { get; set; } = TimeSpan.FromMinutes(10);
}

/// <summary>The dev host's twin of the <c>RecoverStalledUploads</c> timer function: the same
/// <see cref="StalledUploadRecovery"/> on the same cadence.</summary>
public sealed partial class StalledUploadSweeper(StalledUploadRecovery recovery, IOptions<UploadPollingOptions> polling, ILogger<StalledUploadSweeper> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(polling.Value.StalledSweepInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await recovery.RecoverAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // Storage unavailable: the next tick sweeps again, as the timer function's next run would.
                LogSweepFailed(log, ex.GetType().Name);
            }
        }
    }

    [LoggerMessage(EventId = 3010, Level = LogLevel.Warning, Message = "Stalled-upload sweep failed ({Reason}); the next tick retries")]
    private static partial void LogSweepFailed(ILogger logger, string reason);
}

/// <summary>
/// Stands in for Event Grid (Azurite has none): lists the uploads container and feeds each new blob version
/// (name + ETag) to the same <see cref="IngestionService"/> as the blob trigger. A failed event is retried on
/// later ticks up to <see cref="IngestionRunOptions.MaxAttempts"/>, like the Functions host's redelivery. An event
/// whose upload another run holds is done, like the blob trigger's: that run finishes it, or the stalled-upload sweep
/// recovers it once the claim expires (docs/reliability.md). At start, blob versions whose ledger entry is already
/// final are skipped without a download (matched by <see cref="UploadLedgerEntry.SourceKey"/> and ETag).
/// </summary>
public sealed partial class UploadPoller(
    IUploadSource uploads,
    IngestionService ingestion,
    IUploadLedger ledger,
    Pseudonymizer pseudonymizer,
    IOptions<UploadPollingOptions> polling,
    IOptions<IngestionRunOptions> ingestionOptions,
    ILogger<UploadPoller> log) : BackgroundService
{
    private readonly HashSet<(string Name, string ETag)> done = [];
    private readonly Dictionary<(string Name, string ETag), int> failures = [];

    // Blob versions (source key, ETag; "*" = any version) the ledger already holds as final, read once at start.
    private HashSet<(string SourceKey, string ETag)>? finished;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(polling.Value.PollInterval);
        do
        {
            try
            {
                await PollOnceAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogPollFailed(log, ex.GetType().Name);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async Task PollOnceAsync(CancellationToken cancellationToken)
    {
        finished ??= await FinishedAsync(cancellationToken);
        var pending = new List<UploadProperties>();
        var skipped = 0;
        await foreach (var blob in uploads.ListAsync(cancellationToken))
        {
            if (done.Contains((blob.Name, blob.ETag)))
            {
                continue;
            }

            if (finished.Count > 0 && UploadNaming.SourceKey(blob.Name, pseudonymizer.Pseudonymize) is var key &&
                (finished.Contains((key, UploadNaming.PlainETag(blob.ETag))) || finished.Contains((key, "*"))))
            {
                // Final in the ledger for this very version: the blob trigger would not fire again for it either.
                done.Add((blob.Name, blob.ETag));
                skipped++;
                continue;
            }

            pending.Add(blob);
        }

        if (skipped > 0)
        {
            LogSkippedFinished(log, skipped);
        }

        foreach (var blob in pending)
        {
            var key = (blob.Name, blob.ETag);
            try
            {
                // InProgress is done too: another run holds the upload and finishes it, or, if that run's host died,
                // the stalled-upload sweep takes it over once the claim expires. Asking on every tick re-downloaded
                // the whole upload each time.
                await ingestion.IngestAsync(blob.Name, cancellationToken);
                done.Add(key);
                failures.Remove(key);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                var count = failures[key] = failures.GetValueOrDefault(key) + 1;
                if (count >= ingestionOptions.Value.MaxAttempts)
                {
                    // The ingestion service has recorded `failed` where it knew the upload id; stop retrying.
                    done.Add(key);
                    failures.Remove(key);
                }

                LogEventFailed(log, count, ex.GetType().Name);
            }
        }
    }

    /// <summary>Every final ledger entry's (source key, ETag): one table scan per start of the dev host.</summary>
    private async Task<HashSet<(string, string)>> FinishedAsync(CancellationToken cancellationToken)
    {
        var set = new HashSet<(string, string)>();
        foreach (var status in new[] { UploadStatus.Curated, UploadStatus.Rejected, UploadStatus.Failed })
        {
            foreach (var entry in await ledger.QueryAsync(dataset: null, partner: null, status, int.MaxValue, cancellationToken))
            {
                if (entry is { SourceKey: { } sourceKey, SourceETag: { } eTag })
                {
                    set.Add((sourceKey, eTag));
                }
            }
        }

        return set;
    }

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "{Count} uploads already final in the ledger: skipped without a download")]
    private static partial void LogSkippedFinished(ILogger logger, int count);

    [LoggerMessage(EventId = 3000, Level = LogLevel.Warning, Message = "Listing uploads failed ({Reason}); retrying on the next tick")]
    private static partial void LogPollFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "Ingestion event failed on attempt {Attempt} ({Reason})")]
    private static partial void LogEventFailed(ILogger logger, int attempt, string reason);
}
