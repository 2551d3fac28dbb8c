using HealthAnalytics.Api;
using HealthAnalytics.Training;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HealthAnalytics.Functions;

/// <summary>
/// Nightly retraining on <c>%RetrainSchedule%</c> (never RunOnStartup: a cold start must not retrain). The Functions
/// runtime invokes a missed schedule once with IsPastDue; the run is keyed by the schedule occurrence the invocation
/// belongs to (a run record created once per model and occurrence), so a repeated or late invocation trains nothing twice.
/// </summary>
public sealed partial class TrainingFunctions(TrainingService training, RetrainSchedule schedule, TimeProvider time, IOptions<TrainingOptions> options, ILogger<TrainingFunctions> log)
{
    [Function("RetrainModels")]
    public async Task RetrainAsync([TimerTrigger("%RetrainSchedule%")] TimerInfo timer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(timer);
        LogTimer(log, options.Value.ScheduleGroup, timer.IsPastDue);
        if (schedule.OccurrenceAt(time.GetUtcNow()) is { } occurrence)
        {
            await training.TrainScheduledAsync(options.Value.ScheduleGroup, occurrence, cancellationToken);
        }
    }

    [LoggerMessage(EventId = 3201, Level = LogLevel.Information, Message = "Retraining schedule group {ScheduleGroup} (past due: {PastDue})")]
    private static partial void LogTimer(ILogger logger, string scheduleGroup, bool pastDue);
}

/// <summary>Model HTTP triggers: each binds the request and calls the handler the dev host calls too.</summary>
public sealed class ModelHttpFunctions(ModelsHandler models)
{
    [Function("ListModels")]
    public async Task<IActionResult> ListModels(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "models")] HttpRequest req, CancellationToken cancellationToken)
        => new ResultAction(await models.ListAsync(cancellationToken));

    [Function("GetModel")]
    public async Task<IActionResult> GetModel(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "models/{name}")] HttpRequest req, string name, CancellationToken cancellationToken)
        => new ResultAction(await models.GetAsync(name, cancellationToken));

    [Function("RetrainModel")]
    public async Task<IActionResult> RetrainModel(
        [HttpTrigger(AuthorizationLevel.Admin, "post", Route = "models/{name}/retrain")] HttpRequest req, string name, CancellationToken cancellationToken)
        => new ResultAction(await models.RetrainAsync(name, cancellationToken));

    [Function("PromoteModelVersion")]
    public async Task<IActionResult> PromoteModelVersion(
        [HttpTrigger(AuthorizationLevel.Admin, "post", Route = "models/{name}/versions/{version}/promote")] HttpRequest req, string name, string version, CancellationToken cancellationToken)
        => new ResultAction(await models.PromoteAsync(name, version, cancellationToken));
}
