using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using HealthAnalytics.Api;
using HealthAnalytics.Contracts;
using HealthAnalytics.Serving;
using HealthAnalytics.Training;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;
using HealthAnalytics.Config;

namespace HealthAnalytics.Api;

/// <summary>
/// <c>POST /api/models/{name}/predict</c>, shared by both hosts: body <c>{"instances":[...]}</c> (1..1000) or one
/// object, validated against the champion's input schema, answered with the champion's version and training-data
/// hash. Checks run cheapest first (name, content type, size, champion, JSON, fields); no error echoes input values.
/// </summary>
public sealed partial class PredictionHandler(
    ConfigCatalog config, ChampionModels champions, TimeProvider time, ILogger<PredictionHandler> log)
{
    /// <summary>Largest request body: 413 above (docs/serving.md).</summary>
    public const int MaxBodyBytes = RequestBodies.MaxBytes;

    public const int MaxInstances = 1000;

    /// <summary>Deepest JSON nesting accepted: a body is at most {"instances":[{...}]} plus slack.</summary>
    public const int MaxDepth = 8;

    /// <summary>Most field errors listed in one answer (1000 bad instances would otherwise make a huge 400).</summary>
    public const int MaxErrors = 100;

    private readonly ConcurrentDictionary<(string Model, string Version, string Contract), PredictionInput> _inputs = new();

    public async Task<IResult> PredictAsync(HttpRequest request, string? name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var snapshot = await config.CurrentAsync(cancellationToken);
        if (!ConfigNames.IsValid(name) || snapshot.Spec(name!) is not { } spec)
        {
            return Problems.NotFound("Model not found", "No model spec has this name.");
        }

        if (!RequestBodies.IsJson(request.ContentType))
        {
            return Problems.UnsupportedMediaType("Send the instances as application/json.");
        }

        if (await RequestBodies.ReadAsync(request, MaxBodyBytes, cancellationToken) is not { } body)
        {
            return Problems.TooLarge(MaxBodyBytes, $"send at most {MaxInstances} instances per request");
        }

        var champion = await champions.GetChampionAsync(name!, cancellationToken);
        if (champion is null)
        {
            return Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "No champion yet",
                detail: "This model has no champion version yet: train it (POST /api/models/{name}/retrain) or promote a version.");
        }

        if (Horizons(request, champion.Predictor, out var horizonsError) is not { } options)
        {
            return Invalid("horizons", horizonsError!);
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = MaxDepth });
        }
        catch (JsonException)
        {
            return Invalid("body", $"Must be valid JSON, nested at most {MaxDepth} levels.");
        }

        using (document)
        {
            var instances = Instances(document.RootElement, out var shapeError);
            if (shapeError is not null)
            {
                return Invalid("instances", shapeError);
            }

            var input = Input(champion, snapshot.Contract(spec.Dataset));
            var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
            var rows = new List<Dictionary<string, object?>>(instances.Count);
            for (var i = 0; i < instances.Count && errors.Count < MaxErrors; i++)
            {
                rows.Add(input.Read(instances[i], $"instances[{i}]", errors));
            }

            if (errors.Count > 0)
            {
                LogRejected(log, name!, instances.Count, errors.Count);
                return Results.ValidationProblem(errors, detail: "Some instances do not match the model's input schema.");
            }

            var clock = Stopwatch.StartNew();
            var predictions = new Prediction[rows.Count];
            for (var i = 0; i < rows.Count; i++)
            {
                predictions[i] = champion.Predictor.Predict(rows[i], options);
            }

            LogPredicted(log, name!, champion.Version, rows.Count, clock.Elapsed.TotalMilliseconds);
            return Results.Json(new PredictResponse(name!, champion.Version, champion.TrainingDataHash, predictions), ModelsHandler.Json);
        }
    }

    /// <summary>The validator of a champion, built once per (model, version, contract version).</summary>
    private PredictionInput Input(LoadedChampion champion, DatasetContract? contract)
    {
        var key = (champion.Model, champion.Version, contract?.Version ?? "");
        if (_inputs.TryGetValue(key, out var input))
        {
            return input;
        }

        // Older versions' validators are dropped with them (a model has one champion at a time).
        foreach (var stale in _inputs.Keys.Where(k => k.Model == champion.Model))
        {
            _inputs.TryRemove(stale, out _);
        }

        input = PredictionInput.Create(champion.Predictor.InputSchema, contract, DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime));
        return _inputs.GetOrAdd(key, input);
    }

    private static List<JsonElement> Instances(JsonElement root, out string? error)
    {
        error = null;
        if (root.ValueKind != JsonValueKind.Object)
        {
            error = "The body must be {\"instances\":[...]} or one instance object.";
            return [];
        }

        // {"instances": [...]} when that is the only property; otherwise the object is itself an instance.
        if (root.TryGetProperty("instances", out var array) && root.EnumerateObject().Count() == 1)
        {
            if (array.ValueKind != JsonValueKind.Array)
            {
                error = "Must be an array of instance objects.";
                return [];
            }

            var count = array.GetArrayLength();
            if (count is < 1 or > MaxInstances)
            {
                error = $"Give between 1 and {MaxInstances} instances.";
                return [];
            }

            return [.. array.EnumerateArray()];
        }

        return [root];
    }

    /// <summary>
    /// The request's options: <c>?horizons=30,90,365</c> (survival models only; 1 to 20 positive numbers in the model's time
    /// unit, comma-separated, answered in that order). Null with an error message (never quoting the value) when invalid.
    /// </summary>
    private static PredictionOptions? Horizons(HttpRequest request, ModelPredictor predictor, out string? error)
    {
        error = null;
        if (!request.Query.TryGetValue("horizons", out var given))
        {
            return PredictionOptions.None;
        }

        if (!predictor.TakesHorizons)
        {
            error = "This model's task takes no horizons.";
            return null;
        }

        var parts = given.Count == 1 && given[0] is { Length: <= 1024 } text ? text.Split(',') : [];
        var horizons = new List<double>(parts.Length);
        foreach (var part in parts)
        {
            if (!double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out var h) || !double.IsFinite(h) || h <= 0)
            {
                horizons.Clear();
                break;
            }

            horizons.Add(h);
        }

        if (horizons.Count is 0 or > SurvivalHorizons.Max)
        {
            error = $"Give 1 to {SurvivalHorizons.Max} positive numbers, comma-separated, once.";
            return null;
        }

        return new PredictionOptions(horizons);
    }

    private static IResult Invalid(string field, string message)
        => Results.ValidationProblem(new Dictionary<string, string[]>(StringComparer.Ordinal) { [field] = [message] });

    [LoggerMessage(EventId = 4100, Level = LogLevel.Debug, Message = "Predicted {Count} instances with {Model} {Version} in {ElapsedMs:F2} ms")]
    private static partial void LogPredicted(ILogger logger, string model, string version, int count, double elapsedMs);

    [LoggerMessage(EventId = 4101, Level = LogLevel.Information, Message = "Rejected a prediction request for {Model}: {Instances} instances, {Errors} field errors")]
    private static partial void LogRejected(ILogger logger, string model, int instances, int errors);
}

/// <param name="TrainingDataHash">Fingerprint of the data the version was trained on (spec, contract version, uploads).</param>
/// <param name="Predictions">Per instance, in order: the task's prediction record, with the task name in <c>task</c>
/// (<see cref="ModelTasks.PredictionPolymorphism"/>).</param>
public sealed record PredictResponse(string Model, string Version, string TrainingDataHash, IReadOnlyList<Prediction> Predictions);

/// <summary>The body of a prediction request, as documented: <c>{"instances":[...]}</c> with 1..1000 objects of
/// feature values by name (numbers may be strings with a unit, e.g. "48 mmol/mol"; null or absent = missing), or one
/// such object on its own. The handler reads the body itself, cheapest checks first.</summary>
public sealed record PredictRequest(IReadOnlyList<IReadOnlyDictionary<string, JsonElement>> Instances);
