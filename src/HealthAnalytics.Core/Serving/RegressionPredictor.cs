using HealthAnalytics.Training;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.FastTree;
using Microsoft.ML.Trainers.LightGbm;
using Microsoft.ML.Transforms;

namespace HealthAnalytics.Serving;

/// <summary>A regression prediction: the value (in the outcome column's unit) and the top-5 feature contributions.</summary>
public sealed record RegressionPrediction(double Value, IReadOnlyList<FeatureContribution> Contributions) : Prediction;

/// <summary>
/// Regression: ridge from its stored parameters (contribution of a slot = βⱼ (xⱼ − x̄ⱼ), so they add up to the value minus
/// the training mean); LightGBM and FastTree through pooled ML.NET engines with feature contribution calculation. Slots
/// are summed back onto input features, as for binary classification.
/// </summary>
internal sealed class RegressionPredictor : ITaskPredictor
{
    private const int TopContributions = 5;
    private readonly ModelManifest _manifest;
    private readonly RidgeParameters? _ridge;
    private readonly EnginePool<RegressionRow, RegressionScore>? _engines;
    private readonly int[] _slotToFeature;

    public RegressionPredictor(ModelBundle bundle)
    {
        _manifest = bundle.Manifest;
        _slotToFeature = bundle.Manifest.Featurizer.SlotToFeature();
        _ridge = bundle.Manifest.ParametersAs<RidgeParameters>();
        if (_ridge is not null)
        {
            HasContributions = true;
            return;
        }

        var width = bundle.Manifest.Featurizer.Width;
        var scoring = WithContributions(bundle, width);
        HasContributions = scoring is not null;
        ITransformer transformer = scoring is null ? bundle.Transformer : scoring;
        _engines = new(() => bundle.Ml.Model.CreatePredictionEngine<RegressionRow, RegressionScore>(transformer, ignoreMissingColumns: true, inputSchemaDefinition: RegressionTrainer.RowSchema(width)));
    }

    public bool HasContributions { get; }

    public Prediction Predict(IReadOnlyDictionary<string, object?> instance)
    {
        var features = new float[_manifest.Featurizer.Width];
        _manifest.Featurizer.Transform(instance, features);
        double value;
        double[] slots;
        if (_ridge is { } ridge)
        {
            value = RegressionTrainer.Ridge(ridge, features);
            slots = [.. features.Select((x, j) => ridge.Coefficients[j] * (x - ridge.Means[j]))];
        }
        else
        {
            var score = _engines!.Predict(new RegressionRow { Features = features });
            value = score.Score;
            slots = HasContributions && score.FeatureContributions.Length == _slotToFeature.Length ? [.. score.FeatureContributions.Select(c => (double)c)] : [];
        }

        var sums = new double[_manifest.Featurizer.Features.Count];
        for (var s = 0; s < slots.Length; s++)
        {
            sums[_slotToFeature[s]] += slots[s];
        }

        var contributions = sums.Select((w, f) => new FeatureContribution(_manifest.Featurizer.Features[f].Name, Math.Round(w, 6)))
            .Where(c => c.Weight != 0).OrderByDescending(c => Math.Abs(c.Weight)).ThenBy(c => c.Feature, StringComparer.Ordinal).Take(TopContributions).ToList();
        return new RegressionPrediction(value, contributions);
    }

    private static TransformerChain<FeatureContributionCalculatingTransformer>? WithContributions(ModelBundle bundle, int width)
    {
        var last = bundle.Transformer is TransformerChain<ITransformer> chain ? chain.LastTransformer : bundle.Transformer;
        var catalog = bundle.Ml.Transforms;
        FeatureContributionCalculatingEstimator? fcc = last switch
        {
            ISingleFeaturePredictionTransformer<LightGbmRegressionModelParameters> l => catalog.CalculateFeatureContribution(l, width, width),
            ISingleFeaturePredictionTransformer<FastTreeRegressionModelParameters> f => catalog.CalculateFeatureContribution(f, width, width),
            _ => null,
        };
        if (fcc is null)
        {
            return null;
        }

        var scored = bundle.Transformer.Transform(RegressionTrainer.View(bundle.Ml, [], width, null));
        return bundle.Transformer.Append(fcc.Fit(scored));
    }
}
