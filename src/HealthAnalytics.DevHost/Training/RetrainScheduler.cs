using Cronos;
using HealthAnalytics.Modeling.Training;
using Microsoft.Extensions.Options;

namespace HealthAnalytics.DevHost.Training;

/// <summary>
/// The dev host's stand-in for the Functions timer: the same <c>RetrainSchedule</c> (six-field, seconds first,
/// UTC), parsed at start-up so a bad expression fails the start. It does not run at start, and a run missed
/// while the host was down is not caught up: the next occurrence trains.
/// </summary>
public sealed partial class RetrainScheduler(TrainingService training, IOptions<TrainingOptions> options, TimeProvider time, ILogger<RetrainScheduler> log) : BackgroundService
{
    private readonly CronExpression _schedule = CronExpression.Parse(options.Value.RetrainSchedule, CronFormat.IncludeSeconds);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var now = time.GetUtcNow();
            var next = _schedule.GetNextOccurrence(now, TimeZoneInfo.Utc);
            if (next is null)
            {
                return;
            }

            await Task.Delay(next.Value - now, time, stoppingToken);
            try
            {
                var results = await training.TrainScheduledAsync(options.Value.ScheduleGroup, stoppingToken);
                LogRun(log, options.Value.ScheduleGroup, results.Count, results.Count(r => r.Promoted));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // One failed night must not stop the schedule; the exception type is enough to investigate.
                LogFailed(log, ex.GetType().Name);
            }
        }
    }

    [LoggerMessage(EventId = 3301, Level = LogLevel.Information, Message = "Scheduled retraining of {ScheduleGroup}: {Models} models, {Promoted} promoted")]
    private static partial void LogRun(ILogger logger, string scheduleGroup, int models, int promoted);

    [LoggerMessage(EventId = 3302, Level = LogLevel.Error, Message = "Scheduled retraining failed: {ExceptionType}")]
    private static partial void LogFailed(ILogger logger, string exceptionType);
}

public static class RetrainSchedulerExtensions
{
    public static IServiceCollection AddRetrainScheduler(this IServiceCollection services) => services.AddHostedService<RetrainScheduler>();
}
