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
/// later ticks up to <see cref="IngestionRunOptions.MaxAttempts"/>, like the Functions host's redelivery; an event
/// whose upload another run holds is asked again on later ticks until that claim ends or expires.
/// </summary>
public sealed partial class UploadPoller(
    IUploadSource uploads,
    IngestionService ingestion,
    IOptions<UploadPollingOptions> polling,
    IOptions<IngestionRunOptions> ingestionOptions,
    ILogger<UploadPoller> log) : BackgroundService
{
    private readonly HashSet<(string Name, string ETag)> done = [];
    private readonly Dictionary<(string Name, string ETag), int> failures = [];

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
        var pending = new List<UploadProperties>();
        await foreach (var blob in uploads.ListAsync(cancellationToken))
        {
            if (!done.Contains((blob.Name, blob.ETag)))
            {
                pending.Add(blob);
            }
        }

        foreach (var blob in pending)
        {
            var key = (blob.Name, blob.ETag);
            try
            {
                var result = await ingestion.IngestAsync(blob.Name, cancellationToken);
                if (result.Disposition == IngestionDisposition.InProgress)
                {
                    // Held by another run: maybe a host that died mid-run. Ask again on later ticks; once its claim
                    // expires (Ingestion:ClaimTimeout) this poller takes the upload over.
                    continue;
                }

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

    [LoggerMessage(EventId = 3000, Level = LogLevel.Warning, Message = "Listing uploads failed ({Reason}); retrying on the next tick")]
    private static partial void LogPollFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "Ingestion event failed on attempt {Attempt} ({Reason})")]
    private static partial void LogEventFailed(ILogger logger, int attempt, string reason);
}
