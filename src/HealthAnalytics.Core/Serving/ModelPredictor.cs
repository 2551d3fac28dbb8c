using System.Text.Json;
using HealthAnalytics.Training;

namespace HealthAnalytics.Serving;

/// <summary>One feature's share of a prediction's raw score (positive pushes towards the label, or a higher value).</summary>
public sealed record FeatureContribution(string Feature, double Weight);

/// <summary>
/// One prediction of one instance. Each task has its own record (<see cref="IModelTask.PredictionType"/>); the API
/// serializes the list polymorphically with the task name as discriminator (<see cref="ModelTasks.PredictionPolymorphism"/>).
/// </summary>
public abstract record Prediction;

/// <summary>
/// Thread-safe in-process predictions over one loaded model: delegates to its task's predictor
/// (<see cref="IModelTask.CreatePredictor"/>), which pools its ML.NET prediction engines.
/// </summary>
public sealed class ModelPredictor
{
    private readonly ITaskPredictor _task;

    public ModelPredictor(ModelBundle bundle)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        Bundle = bundle;
        _task = ModelTasks.Get(bundle.Manifest.Task).CreatePredictor(bundle);
    }

    public ModelBundle Bundle { get; }
    public ModelManifest Manifest => Bundle.Manifest;
    public InputSchema InputSchema => Bundle.Manifest.Input;

    /// <summary>Whether predictions carry per-feature contributions (binary: LightGBM, FastTree, logistic regression).</summary>
    public bool HasContributions => _task.HasContributions;

    /// <summary>The task's prediction record for one instance (values by feature name; null or absent = missing).</summary>
    public Prediction Predict(IReadOnlyDictionary<string, object?> instance) => _task.Predict(instance);

    /// <summary>Whether <see cref="PredictionOptions.Horizons"/> apply to this model (survival).</summary>
    public bool TakesHorizons => _task.TakesHorizons;

    /// <summary>One instance with the request's options (e.g. survival horizons).</summary>
    public Prediction Predict(IReadOnlyDictionary<string, object?> instance, PredictionOptions options) => _task.Predict(instance, options);

    /// <summary><see cref="Predict(IReadOnlyDictionary{string, object?}, PredictionOptions)"/> as the record type of the task.</summary>
    public T Predict<T>(IReadOnlyDictionary<string, object?> instance, PredictionOptions options)
        where T : Prediction =>
        Predict(instance, options) as T ?? throw new InvalidOperationException("This model's task predicts another record type.");

    /// <summary><see cref="Predict(IReadOnlyDictionary{string, object?})"/> as the record type a caller knows its task returns.</summary>
    public T Predict<T>(IReadOnlyDictionary<string, object?> instance)
        where T : Prediction =>
        Predict(instance) as T ?? throw new InvalidOperationException("This model's task predicts another record type.");

    /// <summary>
    /// Converts one JSON object to feature values, collecting field errors (never echoing a value): unknown
    /// fields, a number/boolean/category of the wrong JSON type. Absent or null fields are missing values.
    /// </summary>
    public static IReadOnlyDictionary<string, object?> Convert(JsonElement instance, InputSchema schema, string prefix, IDictionary<string, string[]> errors)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(errors);
        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (instance.ValueKind != JsonValueKind.Object)
        {
            errors[prefix.TrimEnd('.')] = ["Must be a JSON object of feature values."];
            return values;
        }

        var features = schema.Features.ToDictionary(f => f.Name, StringComparer.Ordinal);
        foreach (var property in instance.EnumerateObject())
        {
            if (!features.TryGetValue(property.Name, out var feature))
            {
                errors[prefix + property.Name] = ["Unknown feature."];
                continue;
            }

            var v = property.Value;
            if (v.ValueKind == JsonValueKind.Null)
            {
                values[feature.Name] = null;
                continue;
            }

            switch (feature.Type)
            {
                case "number" when v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out var d) && double.IsFinite(d):
                    values[feature.Name] = d;
                    break;
                case "boolean" when v.ValueKind is JsonValueKind.True or JsonValueKind.False:
                    values[feature.Name] = v.GetBoolean();
                    break;
                case "category" when v.ValueKind == JsonValueKind.String:
                    values[feature.Name] = v.GetString();
                    break;
                default:
                    errors[prefix + feature.Name] = [$"Must be a {feature.Type}{(feature.Categories is { Count: > 0 } c ? " (one of " + string.Join(", ", c) + ")" : "")} or null."];
                    break;
            }
        }

        return values;
    }

    /// <summary>The featurizer's vector of one instance, as the ML.NET row type of single-vector models.</summary>
    internal static FeatureRow Row(Featurizer featurizer, IReadOnlyDictionary<string, object?> instance)
    {
        var row = new FeatureRow { Features = new float[featurizer.Width] };
        featurizer.Transform(instance, row.Features);
        return row;
    }
}
