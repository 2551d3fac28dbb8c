namespace HealthAnalytics.Training.Effects;

/// <summary>A point estimate with its standard error and 95% interval (normal approximation, ±1.96 SE).</summary>
public sealed record Estimate(double Value, double StandardError, double Lower, double Upper, int Rows)
{
    public const double Z95 = 1.959963984540054;

    public static Estimate Of(double value, double se, int rows) => new(value, se, value - (Z95 * se), value + (Z95 * se), rows);

    public Estimate Negate() => new(-Value, StandardError, -Upper, -Lower, Rows);
}

/// <summary>One point of the Qini curve: the share of rows treated (highest predicted benefit first) and the
/// cumulative benefit per row of the whole population (AIPW), beside the random-targeting line.</summary>
public sealed record QiniPoint(double Fraction, double Gain, double Random);

/// <summary>The Qini curve, its coefficient (area between the curve and random targeting) with a 95% interval.</summary>
public sealed record QiniResult(IReadOnlyList<QiniPoint> Curve, Estimate Coefficient);

/// <summary>One quantile group of predicted effect: mean predicted effect and the AIPW (observed) effect.</summary>
public sealed record CalibrationGroup(int Group, int Rows, double MeanPredicted, Estimate Observed);

/// <summary>
/// The statistics of docs/treatment-effects.md, as plain functions of per-row arrays, so that they can be checked
/// against an independent implementation (tests/HealthAnalytics.Training.Tests/Effects/Reference/aipw_reference.py).
/// Standard errors are influence-function (sandwich) errors; with clusters they are cluster-robust (CR1: the
/// influence values summed per cluster, times G/(G−1)), without clusters every row is its own cluster.
/// </summary>
public static class EffectMath
{
    /// <summary>AIPW score of each arm: Γ1 = μ1 + T(Y − μ1)/e, Γ0 = μ0 + (1 − T)(Y − μ0)/(1 − e).</summary>
    public static (double[] Treated, double[] Control) ArmScores(double[] y, bool[] t, double[] mu0, double[] mu1, double[] e)
    {
        ArgumentNullException.ThrowIfNull(y);
        ArgumentNullException.ThrowIfNull(t);
        ArgumentNullException.ThrowIfNull(mu0);
        ArgumentNullException.ThrowIfNull(mu1);
        ArgumentNullException.ThrowIfNull(e);
        var g1 = new double[y.Length];
        var g0 = new double[y.Length];
        for (var i = 0; i < y.Length; i++)
        {
            g1[i] = mu1[i] + (t[i] ? (y[i] - mu1[i]) / e[i] : 0);
            g0[i] = mu0[i] + (t[i] ? 0 : (y[i] - mu0[i]) / (1 - e[i]));
        }

        return (g1, g0);
    }

    /// <summary>The AIPW pseudo-outcome Γ = Γ1 − Γ0: unbiased for the patient's effect when either μ or e is right.</summary>
    public static double[] PseudoOutcomes(double[] y, bool[] t, double[] mu0, double[] mu1, double[] e)
    {
        var (g1, g0) = ArmScores(y, t, mu0, mu1, e);
        for (var i = 0; i < g1.Length; i++)
        {
            g1[i] -= g0[i];
        }

        return g1;
    }

    /// <summary>Mean with its (cluster-robust) standard error: the AIPW ATE when the values are pseudo-outcomes.</summary>
    public static Estimate Mean(ReadOnlySpan<double> values, ReadOnlySpan<int> clusters = default)
    {
        var n = values.Length;
        if (n == 0)
        {
            return Estimate.Of(double.NaN, double.NaN, 0);
        }

        var mean = 0.0;
        foreach (var v in values)
        {
            mean += v;
        }

        mean /= n;
        var deviations = new double[n];
        for (var i = 0; i < n; i++)
        {
            deviations[i] = (values[i] - mean) / n;
        }

        return Estimate.Of(mean, ClusteredSe(deviations, clusters), n);
    }

    /// <summary>Difference in means treated − control; Welch standard error, or CR1 with clusters.</summary>
    public static Estimate DifferenceInMeans(ReadOnlySpan<double> y, ReadOnlySpan<bool> t, ReadOnlySpan<int> clusters = default)
    {
        int n1 = 0, n0 = 0;
        double s1 = 0, s0 = 0;
        for (var i = 0; i < y.Length; i++)
        {
            if (t[i])
            {
                n1++;
                s1 += y[i];
            }
            else
            {
                n0++;
                s0 += y[i];
            }
        }

        if (n1 < 2 || n0 < 2)
        {
            return Estimate.Of(double.NaN, double.NaN, y.Length);
        }

        double m1 = s1 / n1, m0 = s0 / n0;
        if (clusters.IsEmpty)
        {
            double v1 = 0, v0 = 0;
            for (var i = 0; i < y.Length; i++)
            {
                if (t[i])
                {
                    v1 += (y[i] - m1) * (y[i] - m1);
                }
                else
                {
                    v0 += (y[i] - m0) * (y[i] - m0);
                }
            }

            return Estimate.Of(m1 - m0, Math.Sqrt((v1 / (n1 - 1) / n1) + (v0 / (n0 - 1) / n0)), y.Length);
        }

        var psi = new double[y.Length];
        for (var i = 0; i < y.Length; i++)
        {
            psi[i] = t[i] ? (y[i] - m1) / n1 : -(y[i] - m0) / n0;
        }

        return Estimate.Of(m1 - m0, ClusteredSe(psi, clusters), y.Length);
    }

    /// <summary>
    /// Value of a treatment policy (mean outcome if patients were treated as <paramref name="treat"/> says):
    /// mean of π·Γ1 + (1 − π)·Γ0, and its differences with treat-all and treat-none (paired, so their intervals
    /// are narrower than the difference of two intervals).
    /// </summary>
    public static (Estimate Policy, Estimate TreatAll, Estimate TreatNone, Estimate VersusAll, Estimate VersusNone) PolicyValue(
        double[] armTreated, double[] armControl, bool[] treat, ReadOnlySpan<int> clusters = default)
    {
        ArgumentNullException.ThrowIfNull(armTreated);
        ArgumentNullException.ThrowIfNull(armControl);
        ArgumentNullException.ThrowIfNull(treat);
        var n = armTreated.Length;
        var policy = new double[n];
        var versusAll = new double[n];
        var versusNone = new double[n];
        for (var i = 0; i < n; i++)
        {
            policy[i] = treat[i] ? armTreated[i] : armControl[i];
            versusAll[i] = policy[i] - armTreated[i];
            versusNone[i] = policy[i] - armControl[i];
        }

        return (Mean(policy, clusters), Mean(armTreated, clusters), Mean(armControl, clusters), Mean(versusAll, clusters), Mean(versusNone, clusters));
    }

    /// <summary>
    /// Qini curve and coefficient from predicted benefit s and the benefit pseudo-outcome b (AIPW, so it holds in
    /// observational data too). Rows sorted by s, highest first; tied predictions share their block's mean b (the
    /// expectation over random tie orders). Gain(q) = (1/n)·Σ over the top q·n rows of b; Random(q) = q·Gain(1).
    /// Coefficient = (1/n)·Σ_k [Gain(k/n) − Random(k/n)] = mean of w_j·b_(j) with w_j = (n + 1 − 2j)/(2n): a linear
    /// function of b given the ranking, so its standard error is that of a mean, conditional on the ranking (the ranking
    /// comes from out-of-fold predictions).
    /// </summary>
    public static QiniResult Qini(double[] predictedBenefit, double[] benefitScores, int[]? clusters = null, int points = 20)
    {
        ArgumentNullException.ThrowIfNull(predictedBenefit);
        ArgumentNullException.ThrowIfNull(benefitScores);
        var n = predictedBenefit.Length;
        var order = Enumerable.Range(0, n).OrderByDescending(i => predictedBenefit[i]).ThenBy(i => i).ToArray();
        var b = new double[n];
        for (var start = 0; start < n;)
        {
            var end = start;
            var sum = 0.0;
            while (end < n && predictedBenefit[order[end]] == predictedBenefit[order[start]])
            {
                sum += benefitScores[order[end]];
                end++;
            }

            for (var j = start; j < end; j++)
            {
                b[j] = sum / (end - start);
            }

            start = end;
        }

        var cumulative = new double[n + 1];
        for (var j = 0; j < n; j++)
        {
            cumulative[j + 1] = cumulative[j] + b[j];
        }

        var total = n == 0 ? 0 : cumulative[n] / n;
        var curve = new List<QiniPoint>(points + 1);
        for (var p = 0; p <= points; p++)
        {
            var q = (double)p / points;
            var k = q * n;
            var lower = (int)Math.Floor(k);
            var gain = lower >= n ? cumulative[n] : cumulative[lower] + ((k - lower) * b[lower]);
            curve.Add(new QiniPoint(q, n == 0 ? 0 : gain / n, q * total));
        }

        var z = new double[n];
        var zClusters = clusters is null ? null : new int[n];
        for (var j = 0; j < n; j++)
        {
            // j is 0-based here: w = (n + 1 − 2(j + 1)) / (2n).
            z[j] = (n - 1 - (2.0 * j)) / (2.0 * n) * b[j];
            if (zClusters is not null)
            {
                zClusters[j] = clusters![order[j]];
            }
        }

        return new QiniResult(curve, Mean(z, zClusters));
    }

    /// <summary>Calibration table: rows split into <paramref name="groups"/> quantile groups of predicted effect (ties by row order).</summary>
    public static IReadOnlyList<CalibrationGroup> Calibration(double[] predicted, double[] pseudoOutcomes, int groups, int[]? clusters = null)
    {
        ArgumentNullException.ThrowIfNull(predicted);
        ArgumentNullException.ThrowIfNull(pseudoOutcomes);
        var n = predicted.Length;
        var order = Enumerable.Range(0, n).OrderBy(i => predicted[i]).ThenBy(i => i).ToArray();
        var result = new List<CalibrationGroup>(groups);
        for (var g = 0; g < groups; g++)
        {
            var from = (int)((long)g * n / groups);
            var to = (int)((long)(g + 1) * n / groups);
            var rows = order[from..to];
            if (rows.Length == 0)
            {
                continue;
            }

            var values = rows.Select(i => pseudoOutcomes[i]).ToArray();
            var c = clusters is null ? null : rows.Select(i => clusters[i]).ToArray();
            result.Add(new CalibrationGroup(g + 1, rows.Length, rows.Average(i => predicted[i]), Mean(values, c)));
        }

        return result;
    }

    /// <summary>
    /// Best-linear-predictor calibration slope: OLS of the pseudo-outcome on the centred prediction. 1 = the predicted
    /// differences between patients are right on average; 0 = no detectable heterogeneity; NaN when predictions are constant.
    /// </summary>
    public static Estimate CalibrationSlope(double[] predicted, double[] pseudoOutcomes, int[]? clusters = null)
    {
        ArgumentNullException.ThrowIfNull(predicted);
        ArgumentNullException.ThrowIfNull(pseudoOutcomes);
        var n = predicted.Length;
        var meanPredicted = predicted.Average();
        var meanScore = pseudoOutcomes.Average();
        double sxx = 0, sxy = 0;
        for (var i = 0; i < n; i++)
        {
            var d = predicted[i] - meanPredicted;
            sxx += d * d;
            sxy += d * (pseudoOutcomes[i] - meanScore);
        }

        if (sxx <= 1e-18)
        {
            return Estimate.Of(double.NaN, double.NaN, n);
        }

        var slope = sxy / sxx;
        var psi = new double[n];
        for (var i = 0; i < n; i++)
        {
            var d = predicted[i] - meanPredicted;
            psi[i] = d * (pseudoOutcomes[i] - meanScore - (slope * d)) / sxx;
        }

        return Estimate.Of(slope, ClusteredSe(psi, clusters), n);
    }

    /// <summary>PEHE: root mean squared error of the per-row effects against the truth.</summary>
    public static double Pehe(ReadOnlySpan<double> estimated, ReadOnlySpan<double> truth)
    {
        var sum = 0.0;
        for (var i = 0; i < estimated.Length; i++)
        {
            sum += (estimated[i] - truth[i]) * (estimated[i] - truth[i]);
        }

        return Math.Sqrt(sum / estimated.Length);
    }

    /// <summary>sqrt(G/(G−1) · Σ_c (Σ_{i∈c} ψ_i)²); every row its own cluster when none are given.</summary>
    internal static double ClusteredSe(ReadOnlySpan<double> psi, ReadOnlySpan<int> clusters)
    {
        double sum;
        int groups;
        if (clusters.IsEmpty)
        {
            sum = 0;
            foreach (var p in psi)
            {
                sum += p * p;
            }

            groups = psi.Length;
        }
        else
        {
            var totals = new Dictionary<int, double>();
            for (var i = 0; i < psi.Length; i++)
            {
                totals[clusters[i]] = totals.GetValueOrDefault(clusters[i]) + psi[i];
            }

            sum = totals.Values.Sum(v => v * v);
            groups = totals.Count;
        }

        return groups < 2 ? double.NaN : Math.Sqrt(sum * groups / (groups - 1));
    }
}
