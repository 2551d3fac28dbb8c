using System.Text.Json;
using HealthAnalytics.Training;
using Microsoft.Extensions.ObjectPool;
using Microsoft.ML;
using Microsoft.ML.Calibrators;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using Microsoft.ML.Trainers.FastTree;
using Microsoft.ML.Trainers.LightGbm;
using Microsoft.ML.Transforms;

namespace HealthAnalytics.Serving;

/// <summary>One feature's share of a binary prediction's raw score (positive pushes towards the label).</summary>
public sealed record FeatureContribution(string Feature, double Weight);

public sealed record BinaryPrediction(double Probability, bool Label, IReadOnlyList<FeatureContribution> Contributions);

public sealed record ClusterPrediction(int Subgroup, double Distance, SubgroupProfile? Profile);

/// <summary>
/// Thread-safe in-process predictions over one loaded model: <see cref="PredictionEngine{TSrc,TDst}"/> is not
/// thread-safe, so engines come from an <see cref="ObjectPool{T}"/> and go back after each call. Binary models
/// also compute feature contributions (ML.NET's feature contribution calculation) summed back onto input features.
/// </summary>
public sealed class ModelPredictor
{
    private const int TopContributions = 5;
    private readonly ObjectPool<PredictionEngine<FeatureRow, BinaryScore>>? _binary;
    private readonly ObjectPool<PredictionEngine<FeatureRow, ClusterScore>>? _cluster;
    private readonly int[] _slotToFeature;

    public ModelPredictor(ModelBundle bundle)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        Bundle = bundle;
        var width = bundle.Manifest.Featurizer.Width;
        _slotToFeature = bundle.Manifest.Featurizer.SlotToFeature();
        var schema = ModelBundle.RowSchema(width);
        var provider = new DefaultObjectPoolProvider { MaximumRetained = Environment.ProcessorCount * 2 };
        if (bundle.Manifest.Task == ModelTask.Clustering)
        {
            _cluster = provider.Create(new EnginePolicy<ClusterScore>(() => bundle.Ml.Model.CreatePredictionEngine<FeatureRow, ClusterScore>(bundle.Transformer, inputSchemaDefinition: schema)));
        }
        else
        {
            var scoring = WithContributions(bundle, width);
            HasContributions = scoring is not null;
            ITransformer transformer = scoring is null ? bundle.Transformer : scoring;
            _binary = provider.Create(new EnginePolicy<BinaryScore>(() => bundle.Ml.Model.CreatePredictionEngine<FeatureRow, BinaryScore>(transformer, ignoreMissingColumns: true, inputSchemaDefinition: schema)));
        }
    }

    public ModelBundle Bundle { get; }
    public ModelManifest Manifest => Bundle.Manifest;
    public InputSchema InputSchema => Bundle.Manifest.Input;

    /// <summary>Whether the trainer supports feature contributions (LightGBM, FastTree, logistic regression).</summary>
    public bool HasContributions { get; }

    public BinaryPrediction PredictBinary(IReadOnlyDictionary<string, object?> instance)
    {
        var score = Score(_binary ?? throw new InvalidOperationException("Not a binary classification model."), instance);

        var contributions = new List<FeatureContribution>();
        if (HasContributions && score.FeatureContributions.Length == _slotToFeature.Length)
        {
            var sums = new double[Manifest.Featurizer.Features.Count];
            for (var s = 0; s < _slotToFeature.Length; s++)
            {
                sums[_slotToFeature[s]] += score.FeatureContributions[s];
            }

            contributions.AddRange(sums.Select((w, f) => new FeatureContribution(Manifest.Featurizer.Features[f].Name, Math.Round(w, 6)))
                .Where(c => c.Weight != 0).OrderByDescending(c => Math.Abs(c.Weight)).ThenBy(c => c.Feature, StringComparer.Ordinal).Take(TopContributions));
        }

        return new BinaryPrediction(score.Probability, score.Probability >= Manifest.Threshold, contributions);
    }

    /// <summary>Featurizes one instance and scores it on an engine borrowed from the pool (engines are not thread-safe).</summary>
    private TScore Score<TScore>(ObjectPool<PredictionEngine<FeatureRow, TScore>> pool, IReadOnlyDictionary<string, object?> instance)
        where TScore : class, new()
    {
        var row = new FeatureRow { Features = new float[Manifest.Featurizer.Width] };
        Manifest.Featurizer.Transform(instance, row.Features);
        var engine = pool.Get();
        try
        {
            return engine.Predict(row);
        }
        finally
        {
            pool.Return(engine);
        }
    }

    public ClusterPrediction PredictSubgroup(IReadOnlyDictionary<string, object?> instance)
    {
        var score = Score(_cluster ?? throw new InvalidOperationException("Not a clustering model."), instance);

        var subgroup = (int)score.ClusterId;
        var distance = Math.Sqrt(Math.Max(0, score.Distances[subgroup - 1]));
        return new ClusterPrediction(subgroup, Math.Round(distance, 6), Manifest.Subgroups.FirstOrDefault(p => p.Subgroup == subgroup));
    }

    /// <summary>Prediction by task: <see cref="BinaryPrediction"/> or <see cref="ClusterPrediction"/>.</summary>
    public object Predict(IReadOnlyDictionary<string, object?> instance) =>
        Manifest.Task == ModelTask.Clustering ? PredictSubgroup(instance) : PredictBinary(instance);

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

    /// <summary>The model followed by feature contribution calculation, when its parameters support it.</summary>
    private static TransformerChain<FeatureContributionCalculatingTransformer>? WithContributions(ModelBundle bundle, int width)
    {
        var last = bundle.Transformer is TransformerChain<ITransformer> chain ? chain.LastTransformer : bundle.Transformer;
        var empty = ModelBundle.View(bundle.Ml, [], width, null);
        var catalog = bundle.Ml.Transforms;
        FeatureContributionCalculatingEstimator? fcc = last switch
        {
            ISingleFeaturePredictionTransformer<CalibratedModelParametersBase<LightGbmBinaryModelParameters, PlattCalibrator>> l => catalog.CalculateFeatureContribution(l, width, width),
            ISingleFeaturePredictionTransformer<CalibratedModelParametersBase<FastTreeBinaryModelParameters, PlattCalibrator>> f => catalog.CalculateFeatureContribution(f, width, width),
            ISingleFeaturePredictionTransformer<CalibratedModelParametersBase<LinearBinaryModelParameters, PlattCalibrator>> r => catalog.CalculateFeatureContribution(r, width, width),
            _ => null,
        };
        if (fcc is null)
        {
            return null;
        }

        var scored = bundle.Transformer.Transform(empty);
        return bundle.Transformer.Append(fcc.Fit(scored));
    }

    private sealed class EnginePolicy<T>(Func<PredictionEngine<FeatureRow, T>> create) : PooledObjectPolicy<PredictionEngine<FeatureRow, T>>
        where T : class, new()
    {
        public override PredictionEngine<FeatureRow, T> Create() => create();

        public override bool Return(PredictionEngine<FeatureRow, T> obj) => true;
    }
}
