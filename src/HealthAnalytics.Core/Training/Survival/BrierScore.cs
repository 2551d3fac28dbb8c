namespace HealthAnalytics.Training.Survival;

/// <summary>Brier score at one horizon.</summary>
/// <param name="Score">The IPCW Brier score; null when G(t) = 0 (no row is followed to t, so it is not estimable).</param>
public sealed record BrierAtHorizon(double Horizon, double? Score);

/// <summary>
/// The inverse-probability-of-censoring-weighted Brier score at horizon t, defined as R's <c>survival</c> computes
/// it (<c>brier()</c>): BS(t) = Σᵢ wᵢ·bᵢ / Σᵢ wᵢ over the rows, where
/// <list type="bullet">
/// <item>a row with its event at Tᵢ ≤ t has bᵢ = Ŝ(t|xᵢ)² and wᵢ = 1/G(Tᵢ−);</item>
/// <item>a row still under observation at t (Tᵢ &gt; t, or censored exactly at t) has bᵢ = (1 − Ŝ(t|xᵢ))² and wᵢ = 1/G(t−);</item>
/// <item>a row censored before t has wᵢ = 0;</item>
/// </list>
/// G is the censoring Kaplan–Meier curve (<see cref="KaplanMeier.Censoring"/>: events leave before the
/// censorings at the same time). The integrated score is the trapezoid rule over the horizons divided by their
/// span (one horizon: that horizon's score).
/// </summary>
public static class BrierScore
{
    public static double? At(double horizon, double[] times, bool[] events, ReadOnlySpan<double> survivalAtHorizon, KaplanMeierCurve censoring)
    {
        SurvivalChecks.Outcome(times, events);
        ArgumentNullException.ThrowIfNull(censoring);
        SurvivalChecks.SameLength(times.Length, survivalAtHorizon.Length, nameof(survivalAtHorizon));
        var gAtT = censoring.SurvivalBefore(horizon);
        var sum = 0.0;
        var weights = 0.0;
        for (var i = 0; i < times.Length; i++)
        {
            var s = survivalAtHorizon[i];
            if (times[i] > horizon || (times[i] == horizon && !events[i]))
            {
                if (gAtT > 0)
                {
                    sum += (1 - s) * (1 - s) / gAtT;
                    weights += 1 / gAtT;
                }
            }
            else if (events[i])
            {
                var g = censoring.SurvivalBefore(times[i]);
                if (g > 0)
                {
                    sum += s * s / g;
                    weights += 1 / g;
                }
            }
        }

        // No row followed to t, or none at all: not estimable.
        return weights > 0 && gAtT > 0 ? sum / weights : null;
    }

    /// <summary>
    /// The integrated Brier score over [0, τ]: (1/τ)·∫₀^τ BS(u) du (the definition of bench/reference/README.md), by the
    /// trapezoid rule over 0 and <paramref name="grid"/> (ascending times in (0, τ], the last being τ), where
    /// <paramref name="survivalAtGrid"/>[k][i] = Ŝ(grid[k] | row i) and S(0) = 1. A fine grid (the survival task uses
    /// 100 even steps plus the horizons) approximates the exact integral of the step function to about 1e-3.
    /// Null when BS is not estimable at some grid time.
    /// </summary>
    public static double? IntegratedFromZero(IReadOnlyList<double> grid, double[] times, bool[] events, double[][] survivalAtGrid, KaplanMeierCurve censoring)
    {
        ArgumentNullException.ThrowIfNull(grid);
        ArgumentNullException.ThrowIfNull(survivalAtGrid);
        if (grid.Count == 0 || grid[0] <= 0)
        {
            throw new ArgumentException("The grid must hold ascending positive times.", nameof(grid));
        }

        var ones = new double[times.Length];
        Array.Fill(ones, 1.0);
        var previousTime = 0.0;
        var previous = At(0, times, events, ones, censoring);
        var area = 0.0;
        for (var k = 0; k < grid.Count; k++)
        {
            var score = At(grid[k], times, events, survivalAtGrid[k], censoring);
            if (previous is null || score is null)
            {
                return null;
            }

            area += (grid[k] - previousTime) * (score.Value + previous.Value) / 2;
            (previousTime, previous) = (grid[k], score);
        }

        return area / grid[^1];
    }

    /// <summary>∫ BS(t) dt / (t_last − t_first) by the trapezoid rule over the (sorted) horizons; null if any is null.</summary>
    public static double? Integrated(IReadOnlyList<BrierAtHorizon> scores)
    {
        ArgumentNullException.ThrowIfNull(scores);
        if (scores.Count == 0 || scores.Any(s => s.Score is null))
        {
            return null;
        }

        var sorted = scores.OrderBy(s => s.Horizon).ToArray();
        if (sorted.Length == 1 || sorted[^1].Horizon == sorted[0].Horizon)
        {
            return sorted[0].Score;
        }

        var area = 0.0;
        for (var k = 1; k < sorted.Length; k++)
        {
            area += (sorted[k].Horizon - sorted[k - 1].Horizon) * (sorted[k].Score!.Value + sorted[k - 1].Score!.Value) / 2;
        }

        return area / (sorted[^1].Horizon - sorted[0].Horizon);
    }
}
