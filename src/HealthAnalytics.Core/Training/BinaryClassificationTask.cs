using HealthAnalytics.Curated;
using HealthAnalytics.Serving;

namespace HealthAnalytics.Training;

/// <summary>Binary classification (docs/models.md): a label from any column, calibrated probabilities, metrics overall and per group.</summary>
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
        Outcomes.Validate(spec, spec.Label, schema, binary: true, error);
        if (spec.Threshold is <= 0 or >= 1)
        {
            error("$.threshold", "must be in (0, 1)");
        }
    }

    public IReadOnlyDictionary<string, FeatureKind> OutcomeColumns(ModelSpec spec, CuratedSchema schema) =>
        new Dictionary<string, FeatureKind>(StringComparer.Ordinal) { [spec.Label!.Column] = Outcomes.ColumnKind(spec.Label, schema) };

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
        return SupervisedEvaluation.ScoreChampion(
            champion, request, candidate,
            spec => BinaryTrainer.Learner(spec, request.Schema, request.Version, request.CodeVersion, request.Now),
            (model, holdout, y) => BinaryTrainer.Metrics([.. ModelScorer.Probabilities(model, holdout).Select(p => (double)p)], y, model.Manifest.Threshold));
    }

    public ITaskPredictor CreatePredictor(ModelBundle bundle) => new BinaryPredictor(bundle);
}
