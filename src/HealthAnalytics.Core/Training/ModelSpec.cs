using System.Text.Json;
using System.Text.Json.Serialization;

namespace HealthAnalytics.Training;

/// <summary>Machine-learning task of a model spec.</summary>
public enum ModelTask
{
    BinaryClassification,
    Clustering,
    Regression,
    Survival,
    TreatmentEffect,
}

/// <summary>The task names of specs, the API and the registry (kebab case: <c>binary-classification</c>).</summary>
public static class ModelTaskNames
{
    public static string Name(this ModelTask task) => JsonNamingPolicy.KebabCaseLower.ConvertName(task.ToString());
}

/// <summary>
/// A model spec (<c>config/models/{model}.json</c>, schema <c>config/schemas/model-spec.schema.json</c>,
/// documented in docs/models.md). Immutable once loaded; <see cref="Hash"/> identifies its content in lineage.
/// </summary>
public sealed record ModelSpec
{
    /// <summary>Editor hint only (<c>$schema</c>); ignored.</summary>
    [JsonPropertyName("$schema")]
    public string? Schema { get; init; }

    public required string Name { get; init; }
    public string? Description { get; init; }
    public required ModelTask Task { get; init; }
    public required string Dataset { get; init; }

    /// <summary>The outcome (<see cref="LabelSpec"/>): binary classification, a column name or a rule over any column;
    /// regression, a numeric column.</summary>
    public LabelSpec? Label { get; init; }
    public required IReadOnlyList<FeatureSpec> Features { get; init; }
    public TrainerSpec Trainer { get; init; } = new();
    public ValidationSpec Validation { get; init; } = new();
    public PromotionSpec Promotion { get; init; } = new();
    public int MinimumRows { get; init; } = 1000;

    /// <summary>Which schedule trains it: <c>nightly</c> (the RetrainSchedule timer) or <c>manual</c> (HTTP only).</summary>
    public string ScheduleGroup { get; init; } = "nightly";

    /// <summary>Binary classification: probability at or above which the label is true.</summary>
    public double Threshold { get; init; } = 0.5;

    /// <summary>Treatment effect only (docs/treatment-effects.md, "Model spec"): the arms, the outcome, the design
    /// (<c>randomized</c> or <c>observational</c>), a known propensity, the estimator and its options.</summary>
    public TreatmentSpec? Treatment { get; init; }
    public EffectOutcomeSpec? Outcome { get; init; }
    public string? Design { get; init; }
    public double? Propensity { get; init; }
    public string? Estimator { get; init; }
    public EffectsSpec? Effects { get; init; }

    /// <summary>Clustering only.</summary>
    public ClusteringSpec? Clustering { get; init; }

    /// <summary>Survival only: the time-to-event outcome and the prediction horizons (docs/survival.md).</summary>
    public SurvivalSpec? Survival { get; init; }

    /// <summary>Lower-case hex SHA-256 of the canonical JSON this spec was read from.</summary>
    [JsonIgnore]
    public string Hash { get; init; } = "";

    /// <summary>Where it came from: <c>shipped</c> or <c>blob</c>.</summary>
    [JsonIgnore]
    public string Source { get; init; } = "shipped";
}

/// <param name="Name">A column of the dataset's contract (or a derived column).</param>
/// <param name="Kind">Optional override of the kind inferred from the contract.</param>
/// <param name="MaxCategories">Categorical without a closed category list: keep the most frequent N, others become all zeros.</param>
public sealed record FeatureSpec(string Name, FeatureKind? Kind = null, int? MaxCategories = null);

public enum FeatureKind
{
    Numeric,
    Categorical,
    Boolean,
}

/// <summary>Trainer name (<c>lightgbm</c>, <c>fasttree</c>, <c>logistic-regression</c>, <c>ridge</c>, <c>kmeans</c>) and its options.</summary>
public sealed record TrainerSpec
{
    public string Name { get; init; } = "lightgbm";
    public int? NumberOfLeaves { get; init; }
    public int? NumberOfIterations { get; init; }
    public double? LearningRate { get; init; }
    public int? MinimumExampleCountPerLeaf { get; init; }
    public double? L2Regularization { get; init; }

    /// <summary>Logistic regression: the L1 weight (default 0, L2 only; ML.NET's own default would be 1).</summary>
    public double? L1Regularization { get; init; }

    /// <summary>Ridge: the penalty α of ‖y − Xw − b‖² + α‖w‖² on standardized features (default 1; the intercept is not penalized).</summary>
    public double? Alpha { get; init; }
    public int? MaximumIterations { get; init; }

    /// <summary>Threads for LightGBM. Default 1: OpenMP spin-waits collapse on a busy 2-core host, and one thread is bit-reproducible.</summary>
    public int? NumberOfThreads { get; init; }

    /// <summary>Cox: how tied event times are handled, <c>efron</c> (default) or <c>breslow</c>.</summary>
    public string? Ties { get; init; }

    /// <summary>Boosted survival: number of time intervals of the discrete-time hazard (default 10).</summary>
    public int? Intervals { get; init; }
}

public sealed record ValidationSpec
{
    /// <summary><c>holdout</c> (seeded, stratified; replaced by cross-validation on small data, docs/models.md
    /// "Evaluation"), <c>cross-validation</c> (always) or <c>time-split</c> (latest rows by <see cref="TimeColumn"/>, always).</summary>
    public string Kind { get; init; } = "holdout";
    public double HoldoutFraction { get; init; } = 0.2;
    public string? TimeColumn { get; init; }
    public int Seed { get; init; } = 42;

    /// <summary>Cross-validation: folds per repeat.</summary>
    public int Folds { get; init; } = 5;

    /// <summary>Cross-validation: repeats, each with its own seeded fold assignment.</summary>
    public int Repeats { get; init; } = 3;
}

public sealed record PromotionSpec
{
    /// <summary>Metric name: <c>auc</c>, <c>auprc</c>, <c>logLoss</c>, <c>brier</c>, <c>f1</c>; <c>rmse</c>, <c>mae</c>, <c>r2</c>; <c>silhouette</c>.</summary>
    public string Metric { get; init; } = "auc";
    public double? Minimum { get; init; }
    public double? Maximum { get; init; }

    /// <summary>How much worse than the champion (on the same holdout) the candidate may be.</summary>
    public double MaxDropVsChampion { get; init; } = 0.01;
}

public sealed record ClusteringSpec
{
    public int KMin { get; init; } = 2;
    public int KMax { get; init; } = 8;

    /// <summary>Rows used to score each k (silhouette is quadratic in this).</summary>
    public int SampleSize { get; init; } = 2000;

    /// <summary>Rows k-means is fitted on while choosing k; the final model is fitted on all training rows.</summary>
    public int SelectionRows { get; init; } = 20000;

    /// <summary>k-means++ restarts per k (the lowest within-cluster distance wins): guards against a poor start.</summary>
    public int Restarts { get; init; } = 3;
}
