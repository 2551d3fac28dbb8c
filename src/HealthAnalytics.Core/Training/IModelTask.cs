using HealthAnalytics.Curated;
using HealthAnalytics.Serving;

namespace HealthAnalytics.Training;

/// <summary>
/// One machine-learning task (binary classification, clustering, ...) as a plug-in: what a spec of this task may say,
/// which curated columns it reads besides the features, how it trains and evaluates, how a champion is scored against a
/// candidate, and how a stored bundle predicts. <see cref="TrainingService"/>, <see cref="ModelSpecReader"/>,
/// <see cref="ModelPredictor"/> and the promotion decision know tasks only through this interface; the implementations
/// are listed in <see cref="ModelTasks"/> (docs/models.md, "Adding a task").
/// </summary>
public interface IModelTask
{
    ModelTask Task { get; }

    /// <summary>Trainer names a spec of this task may give (<c>trainer.name</c>); the first is the one documented as default.</summary>
    IReadOnlyList<string> Trainers { get; }

    /// <summary>Metrics a spec may promote on (<c>promotion.metric</c>) → whether a higher value is better; the first is the
    /// default.</summary>
    IReadOnlyDictionary<string, bool> PromotionMetrics { get; }

    /// <summary>Whether this task's champions assign subgroups that other tasks' per-group metrics use (clustering):
    /// scheduled runs train such specs first.</summary>
    bool ProvidesSubgroups => false;

    /// <summary>Whether training uses the dataset's subgroup champion (<see cref="ProvidesSubgroups"/>) for per-group metrics.</summary>
    bool UsesSubgroups => false;

    /// <summary>
    /// Checks the task-specific fields of <paramref name="spec"/> (trainer and metric names are checked by the caller
    /// against <see cref="Trainers"/> and <see cref="PromotionMetrics"/>), against <paramref name="schema"/> when there
    /// is one. Each problem goes to <paramref name="error"/> as (JSON path, message); a message never quotes the document.
    /// </summary>
    void Validate(ModelSpec spec, CuratedSchema? schema, Action<string, string> error);

    /// <summary>The curated columns this task reads besides the features (label, time/event, treatment...), with how
    /// each is held in the training table.</summary>
    IReadOnlyDictionary<string, FeatureKind> OutcomeColumns(ModelSpec spec, CuratedSchema schema);

    /// <summary>Fits the model and evaluates it (holdout or cross-validation, as the task and spec say).</summary>
    TrainedModel Train(TrainingRequest request);

    /// <summary>
    /// The champion's value of the spec's promotion metric on the candidate's own evaluation: the same holdout rows, or
    /// the same folds. Null when the champion cannot be scored on it (e.g. it was trained for another task).
    /// </summary>
    ChampionScore? ScoreChampion(ModelBundle champion, TrainingRequest request, TrainedModel candidate);

    /// <summary>The thread-safe predictor of a stored bundle of this task.</summary>
    ITaskPredictor CreatePredictor(ModelBundle bundle);

    /// <summary>The type of one prediction of this task (the polymorphic <c>predictions</c> list of the API).</summary>
    Type PredictionType { get; }
}

/// <summary>Everything one training run gives a task.</summary>
/// <param name="Table">The de-duplicated curated rows: features, <see cref="IModelTask.OutcomeColumns"/>, group columns.</param>
/// <param name="Version">The new version id.</param>
/// <param name="SubgroupModel">The dataset's subgroup champion, when the task uses one and there is one.</param>
public sealed record TrainingRequest(
    ModelSpec Spec, CuratedSchema Schema, TrainingTable Table, string Version, string CodeVersion, DateTimeOffset Now, ModelBundle? SubgroupModel = null);

/// <summary>The champion's promotion metric on the candidate's evaluation.</summary>
/// <param name="Score">Over the whole evaluation (the holdout, or the mean over folds).</param>
/// <param name="FoldScores">Per fold, in the candidate's fold order, when the evaluation is cross-validation (for a paired comparison).</param>
public sealed record ChampionScore(double Score, IReadOnlyList<double>? FoldScores = null);

/// <summary>Predictions of one loaded model; thread-safe.</summary>
public interface ITaskPredictor
{
    /// <summary>Whether predictions carry per-feature contributions.</summary>
    bool HasContributions { get; }

    /// <summary>One instance (values by feature name; null or absent = missing) → the task's prediction record.</summary>
    Prediction Predict(IReadOnlyDictionary<string, object?> instance);

    /// <summary>Whether predictions can be asked at given times (<see cref="PredictionOptions.Horizons"/>: survival).</summary>
    bool TakesHorizons => false;

    /// <summary>One instance with the request's options; a task that takes none ignores them.</summary>
    Prediction Predict(IReadOnlyDictionary<string, object?> instance, PredictionOptions options) => Predict(instance);
}

/// <summary>Options of one prediction request (query parameters of <c>POST /api/models/{name}/predict</c>).</summary>
/// <param name="Horizons">Survival: the times to predict S(t) at, in the model's time unit, instead of its spec's horizons.</param>
public sealed record PredictionOptions(IReadOnlyList<double>? Horizons = null)
{
    public static PredictionOptions None { get; } = new();
}
