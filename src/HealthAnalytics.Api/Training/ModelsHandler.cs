using System.Text.Json;
using System.Text.Json.Serialization;
using HealthAnalytics.Serving;
using HealthAnalytics.Training;
using Microsoft.AspNetCore.Http;
using HealthAnalytics.Config;
using HealthAnalytics.Contracts;

namespace HealthAnalytics.Api;

/// <summary>
/// <c>GET /api/models</c>, <c>GET /api/models/{name}</c>, <c>POST /api/models/{name}/retrain</c> and
/// <c>POST /api/models/{name}/versions/{version}/promote</c>, shared by both hosts. Names are checked against
/// the spec catalog before any lookup and never echoed back.
/// </summary>
public sealed class ModelsHandler(ConfigCatalog config, IModelRegistry registry, TrainingService training, ChampionModels champions, ITrainingLock trainingLock)
{
    /// <summary>API JSON, plus NaN/Infinity for undefined metrics (a group with one class has no AUC).</summary>
    internal static readonly JsonSerializerOptions Json = new(ApiJson.Options) { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    public async Task<IResult> ListAsync(CancellationToken cancellationToken)
    {
        var items = new List<ModelSummary>();
        foreach (var spec in (await config.CurrentAsync(cancellationToken)).AllSpecs)
        {
            var champion = await registry.GetChampionAsync(spec.Name, cancellationToken);
            var version = champion is null ? null : await registry.GetAsync(spec.Name, champion, cancellationToken);
            items.Add(new ModelSummary(spec.Name, spec.Task.Name(), spec.Dataset, spec.Description, spec.ScheduleGroup, champion, version?.Metrics));
        }

        return Results.Json(new ModelList(items.Count, items), Json);
    }

    public async Task<IResult> GetAsync(string? name, CancellationToken cancellationToken)
    {
        if (await FindAsync(name, cancellationToken) is not { } spec)
        {
            return NotFound("Model not found", "No model spec has this name.");
        }

        var versions = await registry.ListAsync(spec.Name, cancellationToken);
        var champion = versions.FirstOrDefault(v => v.Status == ModelStatus.Champion);
        var predictor = champion is null ? null : await champions.GetAsync(spec.Name, cancellationToken);
        var progress = await trainingLock.GetProgressAsync(spec.Name, cancellationToken);
        return Results.Json(
            new ModelDetail(spec.Name, spec.Task.Name(), spec.Dataset, spec.Description, spec.Label, spec.ScheduleGroup, spec.Promotion, champion?.Version, predictor?.InputSchema.Features, predictor?.InputSchema.Example, versions, progress),
            Json);
    }

    public async Task<IResult> RetrainAsync(string? name, CancellationToken cancellationToken)
    {
        if (await FindAsync(name, cancellationToken) is not { } spec)
        {
            return NotFound("Model not found", "No model spec has this name.");
        }

        var result = await training.TrainAsync(spec.Name, cancellationToken);
        if (result.Promoted)
        {
            champions.Invalidate(spec.Name);
        }

        return result.Status switch
        {
            TrainingRunStatus.Busy => Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "Training in progress", detail: "Another instance is training this model; try again later."),
            TrainingRunStatus.NotFound => NotFound("Model not found", "No model spec has this name."),
            _ => Results.Json(new RetrainResponse(spec.Name, TrainingService.StatusName(result.Status), result.Promoted, result.Reason, result.Version), Json),
        };
    }

    public async Task<IResult> PromoteAsync(string? name, string? version, CancellationToken cancellationToken)
    {
        if (await FindAsync(name, cancellationToken) is not { } spec)
        {
            return NotFound("Model not found", "No model spec has this name.");
        }

        if (version is null || version.Length > 64 || !version.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
        {
            return NotFound("Version not found", "No version of this model has this id.");
        }

        var (result, record) = await training.PromoteAsync(spec.Name, version, cancellationToken);
        champions.Invalidate(spec.Name);
        return result switch
        {
            PromotionResult.NotFound => NotFound("Version not found", "No version of this model has this id."),
            PromotionResult.Conflict => Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "Concurrent promotion", detail: "The champion changed while promoting; read the model again and retry."),
            PromotionResult.NoModel => Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "Version has no model", detail: "This version's estimate was refused (see its decision and card): it has no model to serve."),
            _ => Results.Json(new PromoteResponse(spec.Name, version, result == PromotionResult.Promoted, record), Json),
        };
    }

    private async Task<ModelSpec?> FindAsync(string? name, CancellationToken cancellationToken) =>
        ConfigNames.IsValid(name) ? (await config.CurrentAsync(cancellationToken)).Spec(name!) : null;

    private static IResult NotFound(string title, string detail) => Results.Problem(statusCode: StatusCodes.Status404NotFound, title: title, detail: detail);

}

public sealed record ModelSummary(string Name, string Task, string Dataset, string? Description, string ScheduleGroup, string? ChampionVersion, IReadOnlyDictionary<string, double>? Metrics);

public sealed record ModelList(int Count, IReadOnlyList<ModelSummary> Items);

/// <param name="Input">The champion's input schema: feature names, types, units, allowed categories.</param>
/// <param name="Example">An instance a client can post to predict as-is.</param>
/// <param name="Training">The stage of the training run in progress (reading, training, evaluating, registering); null when none runs.</param>
public sealed record ModelDetail(
    string Name, string Task, string Dataset, string? Description, LabelSpec? Label, string ScheduleGroup, PromotionSpec Promotion,
    string? ChampionVersion, IReadOnlyList<InputFeature>? Input, IReadOnlyDictionary<string, object?>? Example, IReadOnlyList<ModelVersion> Versions,
    TrainingProgress? Training = null);

/// <param name="Status">trained, skipped (no new data), insufficientData.</param>
public sealed record RetrainResponse(string Model, string Status, bool Promoted, string Reason, ModelVersion? Version);

public sealed record PromoteResponse(string Model, string Version, bool Promoted, ModelVersion? Record);
