using HealthAnalytics.Contracts;
using HealthAnalytics.Curated;
using HealthAnalytics.Serving;

namespace HealthAnalytics.Training;

/// <summary>Binary classification (docs/models.md): a boolean label, calibrated probabilities, metrics overall and per group.</summary>
internal sealed class BinaryClassificationTask : IModelTask
{
    public ModelTask Task => ModelTask.BinaryClassification;

    public IReadOnlyList<string> Trainers { get; } = ["lightgbm", "fasttree", "logistic-regression"];

    public IReadOnlyDictionary<string, bool> PromotionMetrics { get; } = new Dictionary<string, bool>(StringComparer.Ordinal)
    {
        ["auc"] = true,
        ["auprc"] = true,
        ["logLoss"] = false,
        ["brier"] = false,
        ["f1"] = true,
    };

    public bool UsesSubgroups => true;

    public Type PredictionType => typeof(BinaryPrediction);

    public void Validate(ModelSpec spec, CuratedSchema? schema, Action<string, string> error)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(error);
        if (string.IsNullOrEmpty(spec.Label))
        {
            error("$.label", "is required for binary-classification");
        }

        if (spec.Threshold is <= 0 or >= 1)
        {
            error("$.threshold", "must be in (0, 1)");
        }

        if (schema is null || spec.Label is null)
        {
            return;
        }

        var label = schema.Find(spec.Label);
        if (label is null || label.Type != ColumnType.Boolean)
        {
            error("$.label", "must be a boolean column of the dataset");
        }
        else if (spec.Features.Any(f => f.Name == spec.Label))
        {
            error("$.features", "the label cannot be a feature");
        }
    }

    public IReadOnlyDictionary<string, FeatureKind> OutcomeColumns(ModelSpec spec, CuratedSchema schema) =>
        new Dictionary<string, FeatureKind>(StringComparer.Ordinal) { [spec.Label!] = FeatureKind.Boolean };

    public TrainedModel Train(TrainingRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return BinaryTrainer.Train(request.Spec, request.Schema, request.Table, request.Version, request.SubgroupModel, request.CodeVersion, request.Now);
    }

    public ChampionScore? ScoreChampion(ModelBundle champion, TrainingRequest request, TrainedModel candidate)
    {
        ArgumentNullException.ThrowIfNull(champion);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(candidate);
        if (champion.Manifest.Task != Task)
        {
            return null;
        }

        var holdout = candidate.Holdout;
        var labels = holdout.Numeric[request.Spec.Label!].Select(v => v > 0.5).ToArray();
        var metrics = BinaryMetrics.Compute(ModelScorer.Probabilities(champion, holdout), labels, champion.Manifest.Threshold).ToDictionary();
        return new ChampionScore(metrics.TryGetValue(request.Spec.Promotion.Metric, out var m) ? m : double.NaN);
    }

    public ITaskPredictor CreatePredictor(ModelBundle bundle) => new BinaryPredictor(bundle);
}
