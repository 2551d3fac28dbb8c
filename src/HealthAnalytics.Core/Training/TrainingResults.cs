using HealthAnalytics.Curated;

namespace HealthAnalytics.Training;

/// <summary>Metrics of one group of holdout rows (e.g. <c>sex=F</c>, <c>age=65-79</c>, <c>subgroup=2</c>).</summary>
public sealed record GroupMetrics(string Dimension, string Group, IReadOnlyDictionary<string, double> Metrics, long Rows);

/// <summary>Largest difference of a metric between two groups of one dimension.</summary>
public sealed record MetricGap(string Dimension, string Metric, double Gap, string Lowest, string Highest);

/// <summary>A model fitted and evaluated on its holdout; not yet stored.</summary>
public sealed class TrainedModel
{
    public required ModelBundle Bundle { get; init; }

    /// <summary>Headline metrics on the holdout (binary: auc, auprc, logLoss, brier, f1; clustering: silhouette, k, stability).</summary>
    public required IReadOnlyDictionary<string, double> Metrics { get; init; }
    public IReadOnlyList<GroupMetrics> GroupMetrics { get; init; } = [];
    public IReadOnlyList<MetricGap> Gaps { get; init; } = [];

    /// <summary>Clustering: silhouette of each k tried.</summary>
    public IReadOnlyDictionary<int, double> KScores { get; init; } = new Dictionary<int, double>();
    /// <summary>Task-specific sections of the model card (docs/models.md, "Adding a task").</summary>
    public IReadOnlyList<CardSection> CardSections { get; init; } = [];

    /// <summary>Set when the task refused to estimate (the reason, no values): the version is registered as rejected
    /// with this reason, its card says why, and its bundle holds no model that could serve.</summary>
    public string? Refusal { get; init; }
    public required TrainingTable Holdout { get; init; }

    /// <summary>Supervised holdout: the outcome of each <see cref="Holdout"/> row (binary 0/1), for scoring the champion.</summary>
    public double[]? HoldoutOutcome { get; init; }

    /// <summary>Supervised tasks: how the metrics were estimated (holdout or cross-validation), with intervals and warnings.</summary>
    public EvaluationSummary? Evaluation { get; init; }

    /// <summary>Cross-validated candidates: the rows, outcome and folds the champion's spec is re-run on for promotion.</summary>
    public CrossValidationRun? CrossValidation { get; init; }

    /// <summary>Rows left out because their outcome cell is missing.</summary>
    public int RowsWithoutOutcome { get; init; }
    public required int TrainRows { get; init; }
    public required double TrainSeconds { get; init; }
}
