using HealthAnalytics.Training;
using Microsoft.ML;
using Microsoft.ML.Calibrators;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using Microsoft.ML.Trainers.FastTree;
using Microsoft.ML.Trainers.LightGbm;
using Microsoft.ML.Transforms;

namespace HealthAnalytics.Serving;

public sealed record BinaryPrediction(double Probability, bool Label, IReadOnlyList<FeatureContribution> Contributions) : Prediction;

/// <summary>
/// Binary classification: the calibrated probability, the label at the model's threshold, and the top-5 feature
/// contributions (ML.NET's feature contribution calculation on the raw score, slots summed back to input features).
/// </summary>
internal sealed class BinaryPredictor : ITaskPredictor
{
    private const int TopContributions = 5;
    private readonly ModelManifest _manifest;
    private readonly EnginePool<FeatureRow, BinaryScore> _engines;
    private readonly int[] _slotToFeature;

    public BinaryPredictor(ModelBundle bundle)
    {
        _manifest = bundle.Manifest;
        var width = bundle.Manifest.Featurizer.Width;
        _slotToFeature = bundle.Manifest.Featurizer.SlotToFeature();
        var schema = ModelBundle.RowSchema(width);
        var scoring = WithContributions(bundle, width);
        HasContributions = scoring is not null;
        ITransformer transformer = scoring is null ? bundle.Transformer : scoring;
        _engines = new(() => bundle.Ml.Model.CreatePredictionEngine<FeatureRow, BinaryScore>(transformer, ignoreMissingColumns: true, inputSchemaDefinition: schema));
    }

    public bool HasContributions { get; }

    public Prediction Predict(IReadOnlyDictionary<string, object?> instance)
    {
        var score = _engines.Predict(ModelPredictor.Row(_manifest.Featurizer, instance));
        var contributions = new List<FeatureContribution>();
        if (HasContributions && score.FeatureContributions.Length == _slotToFeature.Length)
        {
            var sums = new double[_manifest.Featurizer.Features.Count];
            for (var s = 0; s < _slotToFeature.Length; s++)
            {
                sums[_slotToFeature[s]] += score.FeatureContributions[s];
            }

            contributions.AddRange(sums.Select((w, f) => new FeatureContribution(_manifest.Featurizer.Features[f].Name, Math.Round(w, 6)))
                .Where(c => c.Weight != 0).OrderByDescending(c => Math.Abs(c.Weight)).ThenBy(c => c.Feature, StringComparer.Ordinal).Take(TopContributions));
        }

        return new BinaryPrediction(score.Probability, score.Probability >= _manifest.Threshold, contributions);
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
}
