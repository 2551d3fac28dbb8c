using HealthAnalytics.Training;
using Microsoft.Extensions.Options;

namespace HealthAnalytics.DevHost;

/// <summary>
/// The dev host's stand-in for the Functions timer: the same <c>RetrainSchedule</c> (six-field, seconds first,
/// UTC), parsed at start-up so a bad expression fails the start. It does not run at start, and a run missed
/// while the host was down is not caught up: the next occurrence trains. Each wake-up trains for the occurrence it
/// waited for (the run's identity), so several hosts on one storage account train each occurrence once.
/// </summary>
public sealed partial class RetrainScheduler(TrainingService training, RetrainSchedule schedule, IOptions<TrainingOptions> options, TimeProvider time, ILogger<RetrainScheduler> log) : BackgroundService
{
    private long _waitingFor;

    /// <summary>The occurrence this scheduler waits for (null while it trains or before it started): lets tests
    /// advance a fake clock only once every host is waiting.</summary>
    internal DateTimeOffset? WaitingFor => Interlocked.Read(ref _waitingFor) is var ticks and > 0 ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var now = time.GetUtcNow();
            var next = schedule.NextAfter(now);
            if (next is null)
            {
                return;
            }

            Interlocked.Exchange(ref _waitingFor, next.Value.UtcTicks);
            await Task.Delay(next.Value - now, time, stoppingToken);
            Interlocked.Exchange(ref _waitingFor, 0);
            try
            {
                var results = await training.TrainScheduledAsync(options.Value.ScheduleGroup, next.Value, stoppingToken);
                LogRun(log, options.Value.ScheduleGroup, results.Count(r => r.Status == TrainingRunStatus.Trained), results.Count(r => r.Promoted), results.Count(r => r.Status == TrainingRunStatus.AlreadyRun));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // One failed night must not stop the schedule; the exception type is enough to investigate.
                LogFailed(log, ex.GetType().Name);
            }
        }
    }

    [LoggerMessage(EventId = 3301, Level = LogLevel.Information, Message = "Scheduled retraining of {ScheduleGroup}: {Trained} models trained, {Promoted} promoted, {AlreadyRun} run by another instance")]
    private static partial void LogRun(ILogger logger, string scheduleGroup, int trained, int promoted, int alreadyRun);

    [LoggerMessage(EventId = 3302, Level = LogLevel.Error, Message = "Scheduled retraining failed: {ExceptionType}")]
    private static partial void LogFailed(ILogger logger, string exceptionType);
}
