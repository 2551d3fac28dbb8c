using System.Text.Json;
using HealthAnalytics.Training.Survival;

namespace HealthAnalytics.Training.Tests.Survival;

/// <summary>Degenerate inputs: the Cox fit and the metrics stay finite and say what they could and could not estimate.</summary>
public sealed class CoxEdgeCaseTests
{
    private static SurvivalData Random(int n, int width, int seed, Func<Random, double[], double>? time = null, double eventRate = 0.7)
    {
        var rng = new Random(seed);
        var x = new float[n * width];
        var t = new double[n];
        var e = new bool[n];
        for (var i = 0; i < n; i++)
        {
            var row = new double[width];
            for (var j = 0; j < width; j++)
            {
                row[j] = rng.NextDouble() * 2;
                x[(i * width) + j] = (float)row[j];
            }

            t[i] = time?.Invoke(rng, row) ?? (-Math.Log(1 - rng.NextDouble()) / Math.Exp(0.7 * row[0]));
            e[i] = rng.NextDouble() < eventRate;
        }

        return new SurvivalData(x, width, [.. Enumerable.Range(0, width).Select(j => "x" + j)], t, e);
    }

    private static void AllFinite(CoxModel fit, SurvivalData data)
    {
        Assert.All(fit.Coefficients, c => Assert.True(double.IsFinite(c)));
        Assert.All(fit.StandardErrors, c => Assert.True(double.IsFinite(c)));
        Assert.All(fit.BaselineCumulativeHazard, c => Assert.True(double.IsFinite(c)));
        Assert.True(double.IsFinite(fit.LogLikelihood));
        var p = fit.Predict(data.Features, data.Width, [0, 0.5, 1, 5, 1e9]);
        Assert.All(p.Risk, r => Assert.True(double.IsFinite(r)));
        Assert.All(p.Survival.SelectMany(s => s), s => Assert.InRange(s, 0, 1));
        Assert.DoesNotContain(p.Survival.SelectMany(s => s), double.IsNaN);
        var json = JsonSerializer.Serialize(fit); // throws on NaN or infinity
        Assert.NotEmpty(json);
    }

    [Fact]
    public void All_censored_gives_the_null_model_with_survival_one()
    {
        var data = Random(200, 3, 1, eventRate: 0);
        var fit = CoxTrainer.Fit(data);
        AllFinite(fit, data);
        Assert.All(fit.Coefficients, c => Assert.Equal(0, c));
        Assert.Empty(fit.BaselineTimes);
        Assert.Equal(1, fit.Survival(data.Row(0), 100));
        Assert.Null(fit.MedianSurvivalTime(data.Row(0)));
        Assert.Equal(0.5, Concordance.Harrell(data.Times, data.Events, new double[data.Rows]).Index);
        Assert.Null(KaplanMeier.Fit(data.Times, data.Events).Median());
    }

    [Fact]
    public void One_event_stays_finite_thanks_to_the_penalty()
    {
        var data = Random(100, 3, 2, eventRate: 0);
        data.Events[10] = true;
        var fit = CoxTrainer.Fit(data);
        AllFinite(fit, data);
        Assert.Equal(1, fit.Events);
        Assert.Single(fit.BaselineTimes);
    }

    [Fact]
    public void Efron_and_Breslow_agree_without_ties_and_differ_with_them()
    {
        var distinct = Random(300, 2, 3);
        var efron = CoxTrainer.Fit(distinct, new CoxOptions { Ties = CoxTies.Efron, L2Penalty = 0 });
        var breslow = CoxTrainer.Fit(distinct, new CoxOptions { Ties = CoxTies.Breslow, L2Penalty = 0 });
        for (var j = 0; j < 2; j++)
        {
            Assert.Equal(efron.Coefficients[j], breslow.Coefficients[j], 10);
        }

        // Times rounded to a few values: heavy ties.
        var tied = new SurvivalData(distinct.Features, 2, distinct.SlotNames, [.. distinct.Times.Select(t => Math.Ceiling(t * 3))], distinct.Events);
        var efronTied = CoxTrainer.Fit(tied, new CoxOptions { Ties = CoxTies.Efron, L2Penalty = 0 });
        var breslowTied = CoxTrainer.Fit(tied, new CoxOptions { Ties = CoxTies.Breslow, L2Penalty = 0 });
        AllFinite(efronTied, tied);
        AllFinite(breslowTied, tied);
        Assert.True(Math.Abs(efronTied.Coefficients[0] - breslowTied.Coefficients[0]) > 1e-3);
        // Breslow shrinks towards 0 under heavy ties.
        Assert.True(Math.Abs(breslowTied.Coefficients[0]) < Math.Abs(efronTied.Coefficients[0]));
    }

    [Fact]
    public void Constant_and_duplicated_slots_are_aliased_and_leave_the_other_coefficients_unchanged()
    {
        var data = Random(300, 2, 4);
        var reference = CoxTrainer.Fit(data, new CoxOptions { L2Penalty = 0 });

        // Slots: x0, constant 5, x1, copy of x0.
        var x = new float[data.Rows * 4];
        for (var i = 0; i < data.Rows; i++)
        {
            x[i * 4] = data.Features[i * 2];
            x[(i * 4) + 1] = 5;
            x[(i * 4) + 2] = data.Features[(i * 2) + 1];
            x[(i * 4) + 3] = data.Features[i * 2];
        }

        var wide = new SurvivalData(x, 4, ["x0", "constant", "x1", "x0 again"], data.Times, data.Events);
        var fit = CoxTrainer.Fit(wide, new CoxOptions { L2Penalty = 0 });
        AllFinite(fit, wide);
        Assert.Equal([false, true, false, true], fit.Aliased);
        Assert.Equal(0, fit.Coefficients[1]);
        Assert.Equal(0, fit.Coefficients[3]);
        Assert.Equal(reference.Coefficients[0], fit.Coefficients[0], 8);
        Assert.Equal(reference.Coefficients[1], fit.Coefficients[2], 8);
    }

    [Fact]
    public void Perfectly_separating_slot_gets_a_finite_coefficient_under_the_default_penalty()
    {
        // x = 1 exactly for the rows whose event comes first: the partial likelihood keeps rising as β → ∞.
        var n = 200;
        var x = new float[n];
        var t = new double[n];
        var e = new bool[n];
        for (var i = 0; i < n; i++)
        {
            t[i] = i + 1;
            e[i] = true;
            x[i] = i < n / 2 ? 1 : 0;
        }

        var data = new SurvivalData(x, 1, ["separates"], t, e);
        var penalized = CoxTrainer.Fit(data);
        AllFinite(penalized, data);
        Assert.True(penalized.Converged);
        Assert.InRange(penalized.Coefficients[0], 1, 50);

        var unpenalized = CoxTrainer.Fit(data, new CoxOptions { L2Penalty = 0 });
        AllFinite(unpenalized, data);
        Assert.True(unpenalized.Coefficients[0] > penalized.Coefficients[0]);
    }

    [Fact]
    public void Missing_feature_values_are_refused_with_the_row_index_only()
    {
        var ex = Assert.Throws<ArgumentException>(() => new SurvivalData([1f, float.NaN], 1, ["x"], [1, 2], [true, false]));
        Assert.Contains("row 1", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new SurvivalData([1f, 2f], 1, ["x"], [1, double.NaN], [true, false]));
        Assert.Throws<ArgumentException>(() => new SurvivalData([1f, 2f], 1, ["x"], [1, -1], [true, false]));
    }

    [Fact]
    public void Contributions_sum_to_the_linear_predictor_and_the_median_is_where_survival_crosses_one_half()
    {
        var data = Random(500, 3, 5);
        var fit = CoxTrainer.Fit(data);
        for (var i = 0; i < 20; i++)
        {
            var row = data.Row(i);
            Assert.Equal(fit.LinearPredictor(row), fit.Contributions(row).Sum(), 12);
            var median = fit.MedianSurvivalTime(row);
            if (median is { } m)
            {
                Assert.True(fit.Survival(row, m) <= 0.5);
                var before = fit.BaselineTimes.Where(b => b < m).DefaultIfEmpty(0).Max();
                Assert.True(fit.Survival(row, before) > 0.5);
            }
            else
            {
                Assert.True(fit.Survival(row, fit.MaxFollowUp) > 0.5);
            }
        }
    }

    [Fact]
    public void Json_round_trip_predicts_identically()
    {
        var data = Random(300, 3, 6);
        var fit = CoxTrainer.Fit(data);
        var back = JsonSerializer.Deserialize<CoxModel>(JsonSerializer.Serialize(fit))!;
        var horizons = new[] { 0.5, 1, 2 };
        var a = fit.Predict(data.Features, data.Width, horizons);
        var b = back.Predict(data.Features, data.Width, horizons);
        Assert.Equal(a.Risk, b.Risk);
        Assert.Equal(a.Survival, b.Survival);
    }

    [Fact]
    public void Baseline_is_thinned_to_the_knot_limit_and_stays_within_one_step_of_the_full_curve()
    {
        var data = Random(3000, 2, 7);
        var full = CoxTrainer.Fit(data);
        var thin = CoxTrainer.Fit(data, new CoxOptions { MaxBaselineKnots = 100 });
        Assert.True(full.BaselineTimes.Length > 100);
        Assert.Equal(100, thin.BaselineTimes.Length);
        Assert.Equal(full.BaselineCumulativeHazard[^1], thin.BaselineCumulativeHazard[^1]);
        foreach (var t in full.BaselineTimes)
        {
            // Between the kept knots around t: never above the full curve, never below the previous kept knot's value
            // by more than one kept step (the full value at t is at most the next kept knot's).
            var h = full.BaselineHazardAt(t);
            Assert.True(thin.BaselineHazardAt(t) <= h);
            var next = thin.BaselineTimes.First(k => k >= t);
            Assert.True(h <= thin.BaselineHazardAt(next));
        }
    }
}
