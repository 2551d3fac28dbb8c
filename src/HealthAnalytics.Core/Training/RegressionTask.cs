using HealthAnalytics.Curated;
using HealthAnalytics.Serving;

namespace HealthAnalytics.Training;

/// <summary>Regression (docs/models.md, "Regression"): a numeric outcome; RMSE, MAE, R² overall and per group; value with contributions.</summary>
internal sealed class RegressionTask : IModelTask
{
    public ModelTask Task => ModelTask.Regression;

    public IReadOnlyList<string> Trainers { get; } = ["lightgbm", "fasttree", "ridge"];

    public IReadOnlyDictionary<string, bool> PromotionMetrics { get; } = new Dictionary<string, bool>(StringComparer.Ordinal)
    {
        ["rmse"] = false,
        ["mae"] = false,
        ["r2"] = true,
    };

    public bool UsesSubgroups => true;

    public Type PredictionType => typeof(RegressionPrediction);

    public void Validate(ModelSpec spec, CuratedSchema? schema, Action<string, string> error)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(error);
        Outcomes.Validate(spec, spec.Label, schema, binary: false, error);
        if (spec.Trainer.Alpha is <= 0)
        {
            error("$.trainer.alpha", "must be greater than 0");
        }
    }

    public IReadOnlyDictionary<string, FeatureKind> OutcomeColumns(ModelSpec spec, CuratedSchema schema) =>
        new Dictionary<string, FeatureKind>(StringComparer.Ordinal) { [spec.Label!.Column] = FeatureKind.Numeric };

    public TrainedModel Train(TrainingRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return RegressionTrainer.Train(request.Spec, request.Schema, request.Table, request.Version, request.SubgroupModel, request.CodeVersion, request.Now);
    }

    public ChampionScore? ScoreChampion(ModelBundle champion, TrainingRequest request, TrainedModel candidate)
    {
        ArgumentNullException.ThrowIfNull(champion);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(candidate);
        return SupervisedEvaluation.ScoreChampion(
            champion, request, candidate,
            spec => RegressionTrainer.Learner(spec, request.Schema, request.Version, request.CodeVersion, request.Now),
            (model, holdout, y) => RegressionTrainer.Metrics(RegressionTrainer.Predict(model, holdout), y));
    }

    public ITaskPredictor CreatePredictor(ModelBundle bundle) => new RegressionPredictor(bundle);
}
