namespace HealthAnalytics.Training.Effects;

/// <summary>Distribution of the propensity in one arm: quantiles and a 10-bin histogram over [0, 1].</summary>
public sealed record PropensitySummary(string Arm, int Rows, double Min, double P05, double P25, double Median, double P75, double P95, double Max, IReadOnlyList<int> Histogram);

/// <summary>
/// Overlap of the two arms: where the propensity came from (<c>known</c>, <c>arm-share</c>, <c>model</c>), its
/// distribution per arm over all rows, the rows trimmed (outside [α, 1 − α]) and whether the overlap suffices.
/// </summary>
public sealed record OverlapReport(
    string PropensitySource, double TrimAlpha, IReadOnlyList<PropensitySummary> Arms, int TrimmedTreated, int TrimmedControl,
    int KeptRows, double TrimmedShare, bool Sufficient, string? Reason);

/// <summary>Out-of-fold evaluation of one learner (docs/treatment-effects.md, "Evaluation").</summary>
public sealed record LearnerEvaluation(
    EffectLearner Learner, double MeanPredictedEffect, double SdPredictedEffect, QiniResult Qini,
    IReadOnlyList<CalibrationGroup> Calibration, Estimate CalibrationSlope, double? Pehe);

/// <summary>"Treat when estimated benefit &gt; threshold": share treated and value (mean outcome) against treat-all/none.</summary>
public sealed record PolicyReport(
    double Threshold, double TreatedShare, Estimate Value, Estimate TreatAll, Estimate TreatNone, Estimate VersusTreatAll, Estimate VersusTreatNone);

/// <summary>Everything the estimation measured. Effects are treated − control in outcome units (risk difference for a
/// binary outcome); benefit = effect × direction (+1 higher is better, −1 lower is better).</summary>
public sealed record EffectReport
{
    public required int Rows { get; init; }
    public required int KeptRows { get; init; }
    public required int TreatedRows { get; init; }
    public required int ControlRows { get; init; }

    /// <summary>Clusters (independent units) among the kept rows; = kept rows without clusters.</summary>
    public required int Units { get; init; }

    /// <summary>AIPW average treatment effect over the kept rows.</summary>
    public required Estimate Ate { get; init; }

    /// <summary>Difference in mean outcome, treated − control, over the kept rows.</summary>
    public required Estimate UnadjustedAte { get; init; }

    /// <summary>The same over every row (differs from <see cref="UnadjustedAte"/> only when rows were trimmed).</summary>
    public required Estimate UnadjustedAteAllRows { get; init; }

    public required IReadOnlyList<LearnerEvaluation> Learners { get; init; }
    public required SubgroupTree Subgroups { get; init; }
    public required PolicyReport Policy { get; init; }
    public required int ModelsFitted { get; init; }
    public required double Seconds { get; init; }
}

/// <summary>One fitted model in the cross-fitting: every row whose data reached it, and the rows it scored.</summary>
public sealed record CrossFitRecord(string Model, int Half, IReadOnlyList<int> Lineage, IReadOnlyList<int> Scored);

/// <summary>Per-row out-of-fold quantities over all rows (NaN for trimmed rows).</summary>
public sealed record OutOfFoldEstimates(
    bool[] Kept, int[] Half, int[] Fold, double[] Propensity, double[] ControlOutcome, double[] TreatedOutcome,
    double[] PseudoOutcome, double[] TLearner, double[] DRLearner, int[] Leaf)
{
    /// <summary>Per row: in half 0, which grows the subgroup tree (half 1 estimates its leaves).</summary>
    public bool[] GrowsTree { get; } = [.. Half.Select(h => h == 0)];
}

/// <summary>The result of <see cref="EffectEstimator.Fit"/>: estimated, or refused with the reason.</summary>
public sealed record EffectFit
{
    public required bool Estimated { get; init; }
    public string? RefusalReason { get; init; }
    public required OverlapReport Overlap { get; init; }
    public EffectReport? Report { get; init; }
    public EffectModel? Model { get; init; }
    public OutOfFoldEstimates? OutOfFold { get; init; }

    /// <summary>Filled when <see cref="EffectOptions.RecordLineage"/>.</summary>
    public IReadOnlyList<CrossFitRecord> Lineage { get; init; } = [];
}
