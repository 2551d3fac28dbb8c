namespace HealthAnalytics.Training.Survival;

/// <summary>Held-out metrics of one survival model (definitions in docs/survival.md).</summary>
/// <param name="Tau">Truncation time of Uno's C (events after it carry no weight).</param>
/// <param name="IntegratedBrier">Null when a horizon is beyond the follow-up of the evaluated rows.</param>
public sealed record SurvivalMetrics(
    int Rows,
    int Events,
    ConcordanceResult Harrell,
    ConcordanceResult Uno,
    double Tau,
    IReadOnlyList<BrierAtHorizon> Brier,
    double? IntegratedBrier,
    IReadOnlyList<CalibrationAtHorizon> Calibration)
{
    public double HarrellC => Harrell.Index;
    public double UnoC => Uno.Index;

    /// <summary>Flat name → value map for registries and promotion rules (<c>cIndex</c>, <c>unoC</c> and their standard errors, <c>ibs</c>, <c>brier@t</c>, <c>calibrationMae@t</c>).</summary>
    public IReadOnlyDictionary<string, double> ToDictionary()
    {
        var map = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["cIndex"] = HarrellC,
            ["cIndexStdErr"] = Harrell.StandardError,
            ["unoC"] = UnoC,
            ["unoCStdErr"] = Uno.StandardError,
        };
        if (IntegratedBrier is { } ibs)
        {
            map["ibs"] = ibs;
        }

        foreach (var b in Brier)
        {
            if (b.Score is { } s)
            {
                map[FormattableString.Invariant($"brier@{b.Horizon:0.###}")] = s;
            }
        }

        foreach (var c in Calibration)
        {
            map[FormattableString.Invariant($"calibrationMae@{c.Horizon:0.###}")] = c.MeanAbsoluteError;
        }

        return map;
    }

    /// <summary>
    /// Every metric for predictions on held-out rows. The censoring distribution G of the IPCW metrics is the
    /// Kaplan–Meier estimate from these same held-out rows; <paramref name="tau"/> defaults to the largest horizon.
    /// </summary>
    public static SurvivalMetrics Compute(double[] times, bool[] events, SurvivalPredictions predictions, double? tau = null, int calibrationGroups = 10)
    {
        SurvivalChecks.Outcome(times, events);
        ArgumentNullException.ThrowIfNull(predictions);
        SurvivalChecks.SameLength(times.Length, predictions.Risk.Length, nameof(predictions));
        var censoring = KaplanMeier.Censoring(times, events);
        var horizons = predictions.Horizons;
        var truncation = tau ?? (horizons.Length > 0 ? horizons.Max() : double.PositiveInfinity);
        var harrell = Concordance.Harrell(times, events, predictions.Risk);
        var uno = Concordance.Uno(times, events, predictions.Risk, truncation, censoring);
        var brier = new List<BrierAtHorizon>();
        var calibration = new List<CalibrationAtHorizon>();
        for (var h = 0; h < horizons.Length; h++)
        {
            brier.Add(new BrierAtHorizon(horizons[h], BrierScore.At(horizons[h], times, events, predictions.Survival[h], censoring)));
            calibration.Add(SurvivalCalibration.At(horizons[h], times, events, predictions.Survival[h], calibrationGroups));
        }

        return new SurvivalMetrics(times.Length, events.Count(e => e), harrell, uno, truncation, brier, BrierScore.Integrated(brier), calibration);
    }
}
