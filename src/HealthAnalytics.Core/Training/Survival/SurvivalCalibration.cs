namespace HealthAnalytics.Training.Survival;

/// <summary>One risk group at one horizon: mean predicted S(t) beside the Kaplan–Meier S(t) of its rows.</summary>
/// <param name="Group">1 = lowest predicted risk (highest predicted S(t)).</param>
/// <param name="EventsByHorizon">Rows of the group with an event at or before the horizon.</param>
public sealed record CalibrationGroup(int Group, int Rows, int EventsByHorizon, double MeanPredicted, double Observed, double ObservedLower, double ObservedUpper);

/// <summary>Calibration at one horizon over risk groups (deciles by default).</summary>
/// <param name="MeanAbsoluteError">Σ rows·|predicted − observed| / Σ rows over the groups.</param>
public sealed record CalibrationAtHorizon(double Horizon, IReadOnlyList<CalibrationGroup> Groups, double MeanAbsoluteError);

/// <summary>
/// Calibration of predicted survival: rows sorted by predicted S(t) (ties broken by row order) and cut into
/// equal-count groups; in each, the mean predicted S(t) against the Kaplan–Meier estimate of S(t) from the
/// group's own rows (with its log-scale 95% interval).
/// </summary>
public static class SurvivalCalibration
{
    public static CalibrationAtHorizon At(double horizon, double[] times, bool[] events, double[] survivalAtHorizon, int groups = 10)
    {
        SurvivalChecks.Outcome(times, events);
        ArgumentNullException.ThrowIfNull(survivalAtHorizon);
        SurvivalChecks.SameLength(times.Length, survivalAtHorizon.Length, nameof(survivalAtHorizon));
        ArgumentOutOfRangeException.ThrowIfLessThan(groups, 1);
        var n = times.Length;
        var order = Enumerable.Range(0, n).OrderByDescending(i => survivalAtHorizon[i]).ThenBy(i => i).ToArray();
        var result = new List<CalibrationGroup>();
        var k = Math.Min(groups, Math.Max(1, n));
        var weighted = 0.0;
        for (var g = 0; g < k && n > 0; g++)
        {
            var from = (int)((long)g * n / k);
            var to = (int)((long)(g + 1) * n / k);
            if (to <= from)
            {
                continue;
            }

            var rows = order[from..to];
            var t = rows.Select(i => times[i]).ToArray();
            var e = rows.Select(i => events[i]).ToArray();
            var km = KaplanMeier.Fit(t, e).At(horizon);
            var predicted = rows.Average(i => survivalAtHorizon[i]);
            var eventsBy = rows.Count(i => events[i] && times[i] <= horizon);
            result.Add(new CalibrationGroup(g + 1, rows.Length, eventsBy, predicted, km.Survival, km.Lower, km.Upper));
            weighted += rows.Length * Math.Abs(predicted - km.Survival);
        }

        return new CalibrationAtHorizon(horizon, result, n > 0 ? weighted / n : 0);
    }
}
