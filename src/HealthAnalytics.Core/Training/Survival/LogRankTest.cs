using MathNet.Numerics;

namespace HealthAnalytics.Training.Survival;

/// <summary>Observed and expected events of one group in a log-rank test.</summary>
public sealed record LogRankGroup(string Group, int Rows, double Observed, double Expected);

/// <summary>The k-group log-rank test (R's <c>survdiff</c>, rho = 0).</summary>
/// <param name="DegreesOfFreedom">Number of groups with expected events &gt; 0, minus 1.</param>
public sealed record LogRankResult(IReadOnlyList<LogRankGroup> Groups, double ChiSquare, int DegreesOfFreedom, double PValue);

/// <summary>
/// At each distinct event time with n at risk and d events, group g with n_g at risk and d_g events contributes
/// O_g += d_g, E_g += d·n_g/n and V_gh += d(n−d)/(n−1) · (n_g/n)(1{g=h} − n_h/n). The statistic is
/// (O−E)ᵀ V⁻ (O−E) over all groups but the first (a generalized inverse when V is singular), chi-square with
/// (groups with E &gt; 0) − 1 degrees of freedom.
/// </summary>
public static class LogRankTest
{
    public static LogRankResult Compute(double[] times, bool[] events, IReadOnlyList<string> groups)
    {
        SurvivalChecks.Outcome(times, events);
        ArgumentNullException.ThrowIfNull(groups);
        SurvivalChecks.SameLength(times.Length, groups.Count, nameof(groups));
        var names = groups.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var index = names.Select((g, i) => (g, i)).ToDictionary(p => p.g, p => p.i, StringComparer.Ordinal);
        var k = names.Length;
        var of = groups.Select(g => index[g]).ToArray();
        var atRisk = new double[k];
        foreach (var g in of)
        {
            atRisk[g]++;
        }

        var rows = atRisk.Select(a => (int)a).ToArray();
        var observed = new double[k];
        var expected = new double[k];
        var variance = new double[k * k];
        var order = SurvivalChecks.OrderByTime(times, events);
        var deaths = new double[k];
        var leaving = new double[k];
        var i = 0;
        var n = (double)times.Length;
        while (i < order.Length)
        {
            var t = times[order[i]];
            Array.Clear(deaths);
            Array.Clear(leaving);
            var j = i;
            while (j < order.Length && times[order[j]] == t)
            {
                var g = of[order[j]];
                leaving[g]++;
                if (events[order[j]])
                {
                    deaths[g]++;
                }

                j++;
            }

            var d = deaths.Sum();
            if (d > 0)
            {
                for (var g = 0; g < k; g++)
                {
                    observed[g] += deaths[g];
                    expected[g] += d * atRisk[g] / n;
                }

                if (n > 1)
                {
                    var factor = d * (n - d) / (n - 1);
                    for (var g = 0; g < k; g++)
                    {
                        for (var h = 0; h < k; h++)
                        {
                            variance[(g * k) + h] += factor * (atRisk[g] / n) * ((g == h ? 1 : 0) - (atRisk[h] / n));
                        }
                    }
                }
            }

            for (var g = 0; g < k; g++)
            {
                atRisk[g] -= leaving[g];
            }

            n -= j - i;
            i = j;
        }

        var result = names.Select((g, gi) => new LogRankGroup(g, rows[gi], observed[gi], expected[gi])).ToArray();
        var df = expected.Count(e => e > 0) - 1;
        if (k < 2 || df < 1)
        {
            return new LogRankResult(result, 0, Math.Max(0, df), 1);
        }

        // Drop the first group: the k differences sum to zero.
        var m = k - 1;
        var v = new double[m * m];
        var diff = new double[m];
        for (var g = 0; g < m; g++)
        {
            diff[g] = observed[g + 1] - expected[g + 1];
            for (var h = 0; h < m; h++)
            {
                v[(g * m) + h] = variance[((g + 1) * k) + h + 1];
            }
        }

        var solved = new SymmetricSolver(v, m, 1e-10).Solve(diff);
        var chi = 0.0;
        for (var g = 0; g < m; g++)
        {
            chi += solved[g] * diff[g];
        }

        chi = Math.Max(0, chi);
        var p = SpecialFunctions.GammaUpperRegularized(df / 2.0, chi / 2);
        return new LogRankResult(result, chi, df, p);
    }
}
