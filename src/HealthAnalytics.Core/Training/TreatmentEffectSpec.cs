using System.Text.Json;

namespace HealthAnalytics.Training;

/// <summary>
/// The treatment of a <c>treatment-effect</c> spec: a column of the contract and the values that put a row in each arm
/// (JSON numbers for an integer or number column, strings for a category or string column, booleans for a boolean
/// column). A row whose value is in neither list, or missing, is left out and counted.
/// </summary>
public sealed record TreatmentSpec
{
    public string Column { get; init; } = "";
    public IReadOnlyList<JsonElement> Treated { get; init; } = [];
    public IReadOnlyList<JsonElement> Control { get; init; } = [];
}

/// <summary>
/// The outcome of a <c>treatment-effect</c> spec, one of three shapes (docs/treatment-effects.md, "Model spec"):
/// binary (<see cref="Column"/> and <see cref="Positive"/>; a boolean column may omit <see cref="Positive"/>, meaning
/// <c>[true]</c>), continuous (a numeric <see cref="Column"/> without <see cref="Positive"/>), or an event by a horizon
/// (<see cref="Time"/>, <see cref="Event"/>, <see cref="Positive"/> = the event column's values that mean the event
/// happened, <see cref="Horizon"/> in the time column's unit). <see cref="Better"/> says which direction is a benefit.
/// </summary>
public sealed record EffectOutcomeSpec
{
    public string? Column { get; init; }
    public IReadOnlyList<JsonElement>? Positive { get; init; }
    public string? Time { get; init; }
    public string? Event { get; init; }
    public double? Horizon { get; init; }

    /// <summary><c>lower</c> (e.g. an adverse event: benefit = fewer events) or <c>higher</c>.</summary>
    public string? Better { get; init; }
}

/// <summary>Options of the treatment-effect estimation (defaults in docs/treatment-effects.md).</summary>
public sealed record EffectsSpec
{
    /// <summary>Cross-fitting folds within each of the two halves (3..10).</summary>
    public int Folds { get; init; } = 5;

    /// <summary>Observational design: rows whose out-of-fold propensity is outside [a, 1 − a] are trimmed.</summary>
    public double TrimAlpha { get; init; } = 0.05;

    /// <summary>Observational design: a larger share of trimmed rows refuses the estimate (overlap too poor).</summary>
    public double MaxTrimmedShare { get; init; } = 0.10;

    /// <summary>The policy treats when the estimated benefit exceeds this, in outcome units.</summary>
    public double PolicyThreshold { get; init; }

    /// <summary>A column grouping dependent rows (e.g. the patient of two eyes): one fold per group, cluster-robust intervals.</summary>
    public string? Cluster { get; init; }

    /// <summary>A column with each row's true effect (synthetic data only): enables the <c>pehe</c> metric.</summary>
    public string? Truth { get; init; }
}
