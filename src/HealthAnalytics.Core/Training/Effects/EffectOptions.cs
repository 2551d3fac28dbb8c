using System.Text.Json.Serialization;

namespace HealthAnalytics.Training.Effects;

[JsonConverter(typeof(JsonStringEnumConverter<EffectLearner>))]
public enum EffectLearner
{
    /// <summary>Two outcome models, one per arm; effect = μ1(x) − μ0(x).</summary>
    TLearner,

    /// <summary>Doubly robust: regression of the AIPW pseudo-outcome on x.</summary>
    DRLearner,
}

[JsonConverter(typeof(JsonStringEnumConverter<EffectDesign>))]
public enum EffectDesign
{
    /// <summary>Propensity known from the design (<see cref="EffectOptions.KnownPropensity"/>) or the arm share.</summary>
    Randomized,

    /// <summary>Propensity estimated by a cross-fitted classifier; overlap checked, trimmed and enforced.</summary>
    Observational,
}

[JsonConverter(typeof(JsonStringEnumConverter<OutcomeKind>))]
public enum OutcomeKind
{
    /// <summary>0/1; effects are risk differences, outcome models are classifiers.</summary>
    Binary,
    Continuous,
}

[JsonConverter(typeof(JsonStringEnumConverter<OutcomeDirection>))]
public enum OutcomeDirection
{
    HigherIsBetter,

    /// <summary>E.g. an adverse event: benefit = −effect.</summary>
    LowerIsBetter,
}

/// <summary>LightGBM settings of one kind of model (single-threaded and deterministic, as the product trains).</summary>
public sealed record BoosterOptions
{
    public int NumberOfLeaves { get; init; } = 15;
    public int NumberOfIterations { get; init; } = 150;
    public double LearningRate { get; init; } = 0.05;
    public int MinimumExampleCountPerLeaf { get; init; } = 50;
    public double L2Regularization { get; init; } = 1.0;
}

/// <summary>The benefit-subgroup tree (docs/treatment-effects.md, "Benefit subgroups").</summary>
public sealed record SubgroupTreeOptions
{
    /// <summary>At most 3: a deeper tree is no longer a readable rule.</summary>
    public int MaxDepth { get; init; } = 3;

    /// <summary>
    /// Share of the units in half 0, the half that grows and prunes the tree; half 1 estimates the leaves and chooses
    /// nothing. Each half is cross-fitted on its own. In [0.5, 0.9]. Above one half, because the weakest real split
    /// needs more growing rows to be kept than an interval needs estimation rows (docs/treatment-effects.md,
    /// "Benefit subgroups").
    /// </summary>
    public double GrowShare { get; init; } = 0.75;

    /// <summary>
    /// Fewest estimation rows a leaf is meant to hold: a leaf needs at least this × GrowShare / (1 − GrowShare) growing
    /// rows (90 at the defaults), or <see cref="MinLeafShare"/> × growing rows when that is larger.
    /// </summary>
    public int MinLeafRows { get; init; } = 30;

    public double MinLeafShare { get; init; } = 0.05;

    /// <summary>
    /// Floor of the pruning level (complexity relative to the root's sum of squares, as rpart's <c>cp</c>, whose default this
    /// is): a split must explain at least this share of the variation of the estimated effects to stay in the summary.
    /// </summary>
    public double MinComplexity { get; init; } = 0.01;

    /// <summary>Cross-validation folds (within the growing rows) that choose the pruning level.</summary>
    public int PruningFolds { get; init; } = 5;
}

/// <summary>Options of <see cref="EffectEstimator.Fit"/>; every default is documented in docs/treatment-effects.md.</summary>
public sealed record EffectOptions
{
    public EffectLearner Learner { get; init; } = EffectLearner.DRLearner;
    public EffectDesign Design { get; init; } = EffectDesign.Randomized;

    /// <summary>Randomized only: P(treated) fixed by the design (e.g. 0.5 for 1:1); null = the arm share (out of fold).</summary>
    public double? KnownPropensity { get; init; }

    public OutcomeKind Outcome { get; init; } = OutcomeKind.Binary;
    public OutcomeDirection Direction { get; init; } = OutcomeDirection.HigherIsBetter;

    /// <summary>Cross-fitting folds within each half.</summary>
    public int Folds { get; init; } = 5;
    public int Seed { get; init; } = 1;

    /// <summary>Observational: rows whose out-of-fold propensity is outside [a, 1 − a] are trimmed.</summary>
    public double TrimAlpha { get; init; } = 0.05;

    /// <summary>Observational: more trimmed rows than this share → refused (the overlap is too poor to estimate).</summary>
    public double MaxTrimmedShare { get; init; } = 0.10;

    /// <summary>Fewest rows each arm must keep (overall) to estimate anything.</summary>
    public int MinArmRows { get; init; } = 20;

    /// <summary>Observational: in every propensity decile of the kept rows, each arm must hold at least this share of the decile.</summary>
    public double MinArmShareInDecile { get; init; } = 0.02;

    /// <summary>Outcome models μ0, μ1 (classifiers for a binary outcome).</summary>
    public BoosterOptions OutcomeModel { get; init; } = new();

    /// <summary>The propensity classifier (observational).</summary>
    public BoosterOptions PropensityModel { get; init; } = new() { NumberOfLeaves = 7, NumberOfIterations = 100 };

    /// <summary>The DR-learner's second stage: the pseudo-outcome is noisy, so it is regularized harder.</summary>
    public BoosterOptions EffectModel { get; init; } = new() { NumberOfLeaves = 7, NumberOfIterations = 100, LearningRate = 0.03, MinimumExampleCountPerLeaf = 200 };

    public SubgroupTreeOptions Tree { get; init; } = new();

    /// <summary>Policy: treat when the estimated benefit (effect × direction) exceeds this, in outcome units.</summary>
    public double PolicyThreshold { get; init; }

    /// <summary>Quantile groups of predicted effect for the calibration table.</summary>
    public int CalibrationGroups { get; init; } = 5;

    /// <summary>Record every fitted model's training rows and scored rows (tests; costs memory on large data).</summary>
    public bool RecordLineage { get; init; }

    public void Validate()
    {
        if (Folds is < 2 or > 20)
        {
            throw new ArgumentOutOfRangeException(nameof(Folds), "folds must be in 2..20");
        }

        if (KnownPropensity is { } p && (p <= 0 || p >= 1 || Design != EffectDesign.Randomized))
        {
            throw new ArgumentOutOfRangeException(nameof(KnownPropensity), "a known propensity must be in (0, 1) and needs the randomized design");
        }

        if (TrimAlpha is < 0 or >= 0.5 || MaxTrimmedShare is < 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(TrimAlpha), "trim alpha must be in [0, 0.5) and the trimmed share in [0, 1]");
        }

        if (Tree.MaxDepth is < 0 or > 3 || Tree.MinLeafRows < 2 || Tree.PruningFolds < 2 || Tree.GrowShare is not (>= 0.5 and <= 0.9))
        {
            throw new ArgumentOutOfRangeException(nameof(Tree), "tree depth must be in 0..3, leaves of at least 2 rows, at least 2 pruning folds, a growing share in [0.5, 0.9]");
        }

        if (CalibrationGroups < 2 || MinArmRows < 2 || !double.IsFinite(PolicyThreshold))
        {
            throw new ArgumentOutOfRangeException(nameof(CalibrationGroups), "calibration needs 2+ groups, each arm 2+ rows, a finite policy threshold");
        }
    }
}
