using System.Text.Json;

namespace HealthAnalytics.Training;

/// <summary>
/// The outcome of a <c>survival</c> spec (docs/survival.md, "Model specs"): follow-up time, which values of the event
/// column mean the event happened (every other observed value is censored), and the horizons predictions and metrics
/// are given at.
/// </summary>
public sealed record SurvivalSpec
{
    /// <summary>An integer or number column (or a derived column such as a <c>days-between</c>): follow-up time from the
    /// start of observation to the event or the end of follow-up.</summary>
    public required string Time { get; init; }

    /// <summary>The unit of <see cref="Time"/> and of <see cref="Horizons"/>; the contract's unit of the time column when
    /// it has one (then this must equal it or be absent).</summary>
    public string? TimeUnit { get; init; }

    public required SurvivalEventSpec Event { get; init; }

    /// <summary>Times (in <see cref="TimeUnit"/>) at which survival is predicted and the Brier score, calibration and
    /// Uno's C truncation are computed; strictly increasing, positive, 1 to 20 of them.</summary>
    public required IReadOnlyList<double> Horizons { get; init; }
}

/// <summary>The event column and its event values.</summary>
public sealed record SurvivalEventSpec
{
    /// <summary>An integer, number, boolean, category or string column of the dataset.</summary>
    public required string Column { get; init; }

    /// <summary>The values that mean "the event happened": numbers for a numeric column, canonical categories or strings,
    /// <c>true</c>/<c>false</c> for a boolean column (default <c>[true]</c> there; required otherwise).</summary>
    public IReadOnlyList<JsonElement>? Values { get; init; }
}

/// <summary>Limits on survival horizons (a spec's, or a prediction request's <c>?horizons=</c>).</summary>
public static class SurvivalHorizons
{
    /// <summary>Most horizons one spec or request may give.</summary>
    public const int Max = 20;
}
