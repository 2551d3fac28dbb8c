using System.Text.Json.Serialization;

namespace HealthAnalytics.Training.Survival;

/// <summary>How tied event times enter the partial likelihood and the baseline hazard.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<CoxTies>))]
public enum CoxTies
{
    /// <summary>Efron's approximation (R's default).</summary>
    Efron,

    /// <summary>Breslow's approximation.</summary>
    Breslow,
}

/// <summary>Options of <see cref="CoxTrainer"/>; see docs/survival.md.</summary>
public sealed record CoxOptions
{
    public CoxTies Ties { get; init; } = CoxTies.Efron;

    /// <summary>
    /// θ of the ridge penalty θ/2 · Σⱼ βⱼ² · var(xⱼ) on the log partial likelihood — R's <c>ridge(..., theta, scale = TRUE)</c>.
    /// The default is small: it changes nothing visible on real data but keeps a perfectly separating slot finite.
    /// 0 fits the plain partial likelihood (R's <c>coxph</c>).
    /// </summary>
    public double L2Penalty { get; init; } = 0.01;

    public int MaxIterations { get; init; } = 30;

    /// <summary>Converged when |Δ penalized log-likelihood| ≤ Tolerance · |penalized log-likelihood| (R: 1e-9).</summary>
    public double Tolerance { get; init; } = 1e-9;

    /// <summary>The baseline cumulative hazard keeps at most this many event times (evenly spaced in rank).</summary>
    public int MaxBaselineKnots { get; init; } = 4096;
}

/// <summary>
/// A fitted Cox proportional-hazards model: h(t|x) = h₀(t)·exp(β·(x − x̄)), with the Breslow-type baseline
/// cumulative hazard H₀ at the training means (what R's <c>survfit(coxph)</c> computes, Efron-adjusted when ties are
/// Efron). Plain data: it serializes to and from JSON as is (System.Text.Json, no custom converter).
/// </summary>
public sealed record CoxModel : ISurvivalModel
{
    public required IReadOnlyList<string> SlotNames { get; init; }
    public required double[] Means { get; init; }
    public required double[] Coefficients { get; init; }

    /// <summary>Square roots of the diagonal of the inverse penalized information at β̂ (R's <c>se(coef)</c> when θ = 0).</summary>
    public required double[] StandardErrors { get; init; }

    /// <summary>Slots left out of the fit (constant, or linearly dependent on earlier slots): coefficient and SE 0.</summary>
    public required bool[] Aliased { get; init; }

    /// <summary>Distinct event times (ascending) at which H₀ jumps, thinned to <see cref="CoxOptions.MaxBaselineKnots"/>.</summary>
    public required double[] BaselineTimes { get; init; }

    /// <summary>H₀ at <see cref="BaselineTimes"/>, for a row at the training means.</summary>
    public required double[] BaselineCumulativeHazard { get; init; }

    /// <summary>Largest training time (event or censoring): the end of follow-up.</summary>
    public double MaxFollowUp { get; init; }

    public CoxTies Ties { get; init; }
    public double L2Penalty { get; init; }
    public int Rows { get; init; }
    public int Events { get; init; }
    public int Iterations { get; init; }
    public bool Converged { get; init; }

    /// <summary>Log partial likelihood at β = 0 and at β̂ (without the penalty), as R's <c>fit$loglik</c>.</summary>
    public double LogLikelihoodNull { get; init; }
    public double LogLikelihood { get; init; }

    public int Width => Means.Length;

    /// <summary>β·(x − x̄): R's <c>predict(fit, type = "lp")</c>.</summary>
    public double LinearPredictor(ReadOnlySpan<float> row)
    {
        CheckWidth(row.Length);
        var lp = 0.0;
        for (var j = 0; j < Coefficients.Length; j++)
        {
            lp += Coefficients[j] * (row[j] - Means[j]);
        }

        return lp;
    }

    /// <summary>Per-slot terms of the linear predictor, βⱼ·(xⱼ − x̄ⱼ); they sum to <see cref="LinearPredictor"/>.</summary>
    public double[] Contributions(ReadOnlySpan<float> row)
    {
        CheckWidth(row.Length);
        var result = new double[Coefficients.Length];
        for (var j = 0; j < result.Length; j++)
        {
            result[j] = Coefficients[j] * (row[j] - Means[j]);
        }

        return result;
    }

    /// <summary>H₀(t): the step function at the last baseline time ≤ t (0 before the first).</summary>
    public double BaselineHazardAt(double t)
    {
        var k = Array.BinarySearch(BaselineTimes, t);
        if (k < 0)
        {
            k = ~k - 1;
        }
        else
        {
            while (k + 1 < BaselineTimes.Length && BaselineTimes[k + 1] == t)
            {
                k++;
            }
        }

        return k < 0 ? 0 : BaselineCumulativeHazard[k];
    }

    /// <summary>S(t | lp) = exp(−H₀(t)·exp(lp)); beyond the last event time it stays at its last value.</summary>
    public double SurvivalFromLinearPredictor(double linearPredictor, double t)
    {
        var h0 = BaselineHazardAt(t);
        if (h0 <= 0)
        {
            return 1;
        }

        var h = h0 * Math.Exp(Math.Min(linearPredictor, 700));
        return Math.Exp(-h);
    }

    public double Survival(ReadOnlySpan<float> row, double t) => SurvivalFromLinearPredictor(LinearPredictor(row), t);

    /// <summary>The first baseline time with S(t|x) ≤ 0.5, or null when S stays above 0.5 within follow-up.</summary>
    public double? MedianSurvivalTime(ReadOnlySpan<float> row)
    {
        var lp = LinearPredictor(row);
        // S ≤ 0.5 ⇔ H₀(t) ≥ ln 2 · exp(−lp): the first knot at or above that level.
        var level = Math.Log(2) * Math.Exp(Math.Clamp(-lp, -700, 700));
        var lo = 0;
        var hi = BaselineCumulativeHazard.Length - 1;
        var found = -1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (BaselineCumulativeHazard[mid] >= level)
            {
                found = mid;
                hi = mid - 1;
            }
            else
            {
                lo = mid + 1;
            }
        }

        return found < 0 ? null : BaselineTimes[found];
    }

    public SurvivalPredictions Predict(float[] features, int width, IReadOnlyList<double> horizons)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(horizons);
        CheckWidth(width);
        var n = width == 0 ? 0 : features.Length / width;
        var risk = new double[n];
        var survival = horizons.Select(_ => new double[n]).ToArray();
        var h0 = horizons.Select(BaselineHazardAt).ToArray();
        for (var i = 0; i < n; i++)
        {
            var lp = LinearPredictor(features.AsSpan(i * width, width));
            risk[i] = lp;
            var relative = Math.Exp(Math.Min(lp, 700));
            for (var h = 0; h < h0.Length; h++)
            {
                survival[h][i] = h0[h] <= 0 ? 1 : Math.Exp(-h0[h] * relative);
            }
        }

        return new SurvivalPredictions(risk, [.. horizons], survival);
    }

    private void CheckWidth(int width)
    {
        if (width != Means.Length)
        {
            throw new ArgumentException($"Expected {Means.Length} feature slots, got {width}.", nameof(width));
        }
    }
}
