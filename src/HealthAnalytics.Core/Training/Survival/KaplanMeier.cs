namespace HealthAnalytics.Training.Survival;

/// <summary>How the pointwise 95% interval of a Kaplan–Meier curve is formed (R's <c>conf.type</c>).</summary>
public enum KaplanMeierInterval
{
    /// <summary>exp(log S ± z·se(log S)), upper bound capped at 1 — R's default.</summary>
    Log,

    /// <summary>S^exp(±z·se(log S)/log S), the complementary log-log interval.</summary>
    LogLog,
}

/// <summary>One point of a Kaplan–Meier summary at a requested time.</summary>
/// <param name="NumberAtRisk">Rows with time ≥ <paramref name="Time"/>.</param>
/// <param name="Survival">S(t): the curve's value at the last distinct time ≤ t (1 before the first).</param>
/// <param name="StandardError">Greenwood standard error of S(t).</param>
public sealed record KaplanMeierPoint(double Time, int NumberAtRisk, int EventsSoFar, double Survival, double StandardError, double Lower, double Upper);

/// <summary>
/// A Kaplan–Meier curve with one entry per distinct observed time (events or censorings), as R's
/// <c>survfit(Surv(time, status) ~ 1)</c> lists it: numbers at risk, events, censorings, S(t), Greenwood
/// standard error and a pointwise 95% interval.
/// </summary>
public sealed record KaplanMeierCurve
{
    public required double[] Times { get; init; }
    public required int[] NumberAtRisk { get; init; }
    public required int[] Events { get; init; }
    public required int[] Censored { get; init; }
    public required double[] Survival { get; init; }

    /// <summary>Greenwood sum Σ d/(n(n−d)) up to each time = Var(log S); +∞ once S reaches 0.</summary>
    public required double[] GreenwoodSum { get; init; }

    public KaplanMeierInterval Interval { get; init; } = KaplanMeierInterval.Log;

    public int Rows { get; init; }

    /// <summary>Standard normal quantile for a two-sided 95% interval.</summary>
    public const double Z95 = 1.959963984540054;

    /// <summary>Index of the last distinct time ≤ t, or −1 before the first.</summary>
    public int IndexAt(double t)
    {
        var lo = 0;
        var hi = Times.Length - 1;
        var found = -1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (Times[mid] <= t)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return found;
    }

    public double SurvivalAt(double t)
    {
        var k = IndexAt(t);
        return k < 0 ? 1 : Survival[k];
    }

    /// <summary>S(t−): the value just before t.</summary>
    public double SurvivalBefore(double t)
    {
        var k = IndexAt(t);
        if (k >= 0 && Times[k] == t)
        {
            k--;
        }

        return k < 0 ? 1 : Survival[k];
    }

    public KaplanMeierPoint At(double t)
    {
        var k = IndexAt(t);
        // Rows with time ≥ t: those at risk at the first distinct time ≥ t.
        var next = k >= 0 && Times[k] == t ? k : k + 1;
        var atRisk = next < Times.Length ? NumberAtRisk[next] : 0;
        var events = 0;
        for (var i = 0; i <= k; i++)
        {
            events += Events[i];
        }

        if (k < 0)
        {
            return new KaplanMeierPoint(t, atRisk, 0, 1, 0, 1, 1);
        }

        var (lower, upper) = Bounds(Survival[k], GreenwoodSum[k]);
        var se = double.IsFinite(GreenwoodSum[k]) ? Survival[k] * Math.Sqrt(GreenwoodSum[k]) : 0;
        return new KaplanMeierPoint(t, atRisk, events, Survival[k], se, lower, upper);
    }

    /// <summary>The 95% interval at distinct time index k (both 0 once S has reached 0).</summary>
    public (double Lower, double Upper) BoundsAt(int k) => Bounds(Survival[k], GreenwoodSum[k]);

    private (double Lower, double Upper) Bounds(double s, double greenwood)
    {
        if (s <= 0 || !double.IsFinite(greenwood))
        {
            return (0, 0);
        }

        var se = Math.Sqrt(greenwood);
        if (se == 0)
        {
            return (s, s);
        }

        if (Interval == KaplanMeierInterval.LogLog)
        {
            if (s >= 1)
            {
                return (1, 1);
            }

            var width = Z95 * se / Math.Log(s);
            return (Math.Pow(s, Math.Exp(-width)), Math.Pow(s, Math.Exp(width)));
        }

        return (s * Math.Exp(-Z95 * se), Math.Min(1, s * Math.Exp(Z95 * se)));
    }

    /// <summary>
    /// Median survival time as R's <c>survfit</c> reports it: the first time S(t) ≤ 0.5; when S equals 0.5 exactly
    /// on a stretch, the midpoint of that stretch. Null when S stays above 0.5 within follow-up.
    /// </summary>
    public double? Median()
    {
        for (var k = 0; k < Times.Length; k++)
        {
            if (Math.Abs(Survival[k] - 0.5) < 1e-10)
            {
                for (var j = k + 1; j < Times.Length; j++)
                {
                    if (Survival[j] < Survival[k])
                    {
                        return (Times[k] + Times[j]) / 2;
                    }
                }

                return Times[k];
            }

            if (Survival[k] < 0.5)
            {
                return Times[k];
            }
        }

        return null;
    }
}

/// <summary>Kaplan–Meier estimators: of survival, and of the censoring distribution used by the IPCW metrics.</summary>
public static class KaplanMeier
{
    /// <summary>The product-limit estimate with Greenwood variance (R's <c>survfit</c> defaults).</summary>
    public static KaplanMeierCurve Fit(double[] times, bool[] events, KaplanMeierInterval interval = KaplanMeierInterval.Log)
    {
        SurvivalChecks.Outcome(times, events);
        var order = SurvivalChecks.OrderByTime(times, events);
        var distinct = new List<double>();
        var atRisk = new List<int>();
        var deaths = new List<int>();
        var censored = new List<int>();
        var surv = new List<double>();
        var greenwood = new List<double>();
        var n = times.Length;
        var s = 1.0;
        var g = 0.0;
        foreach (var (t, before, d, c) in TiedTimes(times, events, order))
        {
            var risk = n - before;
            if (d > 0)
            {
                s *= (double)(risk - d) / risk;
                g = risk == d ? double.PositiveInfinity : g + ((double)d / ((double)risk * (risk - d)));
            }

            distinct.Add(t);
            atRisk.Add(risk);
            deaths.Add(d);
            censored.Add(c);
            surv.Add(s);
            greenwood.Add(g);
        }

        return new KaplanMeierCurve
        {
            Times = [.. distinct], NumberAtRisk = [.. atRisk], Events = [.. deaths], Censored = [.. censored],
            Survival = [.. surv], GreenwoodSum = [.. greenwood], Interval = interval, Rows = n,
        };
    }

    /// <summary>
    /// G(t) = P(censoring time &gt; t), the Kaplan–Meier estimate with censorings as the "events". At a time
    /// with both, the events leave first (a row that had its event at t was not at risk of being censored at
    /// t), the convention of R's <c>concordance</c>; G(t−) is <see cref="KaplanMeierCurve.SurvivalBefore"/>.
    /// </summary>
    public static KaplanMeierCurve Censoring(double[] times, bool[] events)
    {
        SurvivalChecks.Outcome(times, events);
        var order = SurvivalChecks.OrderByTime(times, events);
        var distinct = new List<double>();
        var atRisk = new List<int>();
        var cens = new List<int>();
        var surv = new List<double>();
        var n = times.Length;
        var gValue = 1.0;
        foreach (var (t, before, d, c) in TiedTimes(times, events, order))
        {
            var risk = n - before - d; // events at t leave before the censorings at t
            if (c > 0)
            {
                gValue *= (double)(risk - c) / risk;
                distinct.Add(t);
                atRisk.Add(risk);
                cens.Add(c);
                surv.Add(gValue);
            }
        }

        return new KaplanMeierCurve
        {
            Times = [.. distinct], NumberAtRisk = [.. atRisk], Events = [.. cens], Censored = new int[distinct.Count],
            Survival = [.. surv], GreenwoodSum = new double[distinct.Count], Rows = n,
        };
    }

    /// <summary>
    /// The distinct times in ascending order, each with the number of rows before it (left the risk set), its events
    /// and its censorings: the one walk over tied times both estimators make.
    /// </summary>
    private static IEnumerable<(double Time, int Before, int Events, int Censored)> TiedTimes(
        double[] times, bool[] events, int[] order)
    {
        var n = times.Length;
        var i = 0;
        while (i < n)
        {
            var t = times[order[i]];
            var d = 0;
            var j = i;
            while (j < n && times[order[j]] == t)
            {
                d += events[order[j]] ? 1 : 0;
                j++;
            }

            yield return (t, i, d, j - i - d);
            i = j;
        }
    }
}
