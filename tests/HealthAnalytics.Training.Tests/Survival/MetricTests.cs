using HealthAnalytics.Training.Survival;

namespace HealthAnalytics.Training.Tests.Survival;

/// <summary>The fast metrics against their definitions computed the slow way, and their degenerate cases.</summary>
public sealed class MetricTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Fenwick_concordance_equals_the_pairwise_definition_with_ties_in_time_and_score(int seed)
    {
        var rng = new Random(seed);
        var n = 300;
        var t = Enumerable.Range(0, n).Select(_ => (double)rng.Next(1, 40)).ToArray(); // many tied times
        var e = Enumerable.Range(0, n).Select(_ => rng.NextDouble() < 0.6).ToArray();
        var risk = Enumerable.Range(0, n).Select(_ => (double)rng.Next(0, 10)).ToArray(); // many tied scores
        var censoring = KaplanMeier.Censoring(t, e);
        double c = 0, d = 0, tied = 0, uc = 0, ud = 0, utied = 0;
        const double tau = 30;
        for (var i = 0; i < n; i++)
        {
            if (!e[i])
            {
                continue;
            }

            var g = censoring.SurvivalBefore(t[i]);
            var w = t[i] <= tau ? 1 / (g * g) : 0;
            for (var j = 0; j < n; j++)
            {
                // Comparable: j outlives i, or is censored at i's event time.
                if (!(t[j] > t[i] || (t[j] == t[i] && !e[j])))
                {
                    continue;
                }

                if (risk[i] > risk[j])
                {
                    c++;
                    uc += w;
                }
                else if (risk[i] < risk[j])
                {
                    d++;
                    ud += w;
                }
                else
                {
                    tied++;
                    utied += w;
                }
            }
        }

        var harrell = Concordance.Harrell(t, e, risk);
        Assert.Equal(c, harrell.Concordant);
        Assert.Equal(d, harrell.Discordant);
        Assert.Equal(tied, harrell.TiedRisk);
        var uno = Concordance.Uno(t, e, risk, tau);
        // Same sums in another order: equal to rounding.
        Assert.Equal(uc, uno.Concordant, 1e-9 * uc);
        Assert.Equal(ud, uno.Discordant, 1e-9 * ud);
        Assert.Equal(utied, uno.TiedRisk, 1e-9 * utied);
    }

    [Fact]
    public void Perfect_and_reversed_scores_give_c_of_one_and_zero()
    {
        double[] t = [1, 2, 3, 4, 5, 6];
        bool[] e = [true, true, false, true, true, false];
        var risk = t.Select(x => -x).ToArray();
        Assert.Equal(1, Concordance.Harrell(t, e, risk).Index);
        Assert.Equal(0, Concordance.Harrell(t, e, [.. risk.Select(r => -r)]).Index);
        Assert.Equal(1, Concordance.Uno(t, e, risk, 10).Index);
    }

    [Fact]
    public void Brier_score_of_perfect_knowledge_is_zero_and_of_a_coin_is_one_quarter()
    {
        double[] t = [1, 2, 3, 4, 5, 6, 7, 8];
        bool[] e = [true, true, true, true, true, true, true, true];
        var censoring = KaplanMeier.Censoring(t, e);
        var perfect = t.Select(x => x > 4.5 ? 1.0 : 0.0).ToArray();
        Assert.Equal(0, BrierScore.At(4.5, t, e, perfect, censoring));
        Assert.Equal(0.25, BrierScore.At(4.5, t, e, Enumerable.Repeat(0.5, 8).ToArray(), censoring));
        Assert.Equal(0.25, BrierScore.Integrated([new(1, 0.25), new(3, 0.25)]));
        Assert.Equal(0.2, BrierScore.Integrated([new(0, 0.1), new(1, 0.3)])!.Value, 12);
        Assert.Null(BrierScore.Integrated([new(0, 0.1), new(1, null)]));
    }

    [Fact]
    public void Calibration_deciles_cover_every_row_and_match_a_well_calibrated_constant()
    {
        var rng = new Random(9);
        var n = 5000;
        var t = Enumerable.Range(0, n).Select(_ => -Math.Log(1 - rng.NextDouble())).ToArray();
        var e = Enumerable.Repeat(true, n).ToArray();
        var truth = Math.Exp(-1.0); // S(1) of a unit exponential
        var result = SurvivalCalibration.At(1, t, e, Enumerable.Repeat(truth, n).ToArray());
        Assert.Equal(10, result.Groups.Count);
        Assert.Equal(n, result.Groups.Sum(g => g.Rows));
        Assert.Equal(e.Where((_, i) => t[i] <= 1).Count(), result.Groups.Sum(g => g.EventsByHorizon));
        // Every group is a random tenth of one exponential sample: its KM S(1) is within 4 binomial SEs of the truth.
        Assert.All(result.Groups, g => Assert.InRange(g.Observed, truth - (4 * Math.Sqrt(truth * (1 - truth) / g.Rows)), truth + (4 * Math.Sqrt(truth * (1 - truth) / g.Rows))));
        Assert.All(result.Groups, g => Assert.Equal(truth, g.MeanPredicted, 12));
        Assert.True(result.MeanAbsoluteError < 0.03);
    }

    [Fact]
    public void Log_rank_of_one_group_or_identical_groups_finds_nothing()
    {
        double[] t = [1, 2, 3, 4, 5, 6];
        bool[] e = [true, true, true, true, true, true];
        var one = LogRankTest.Compute(t, e, ["a", "a", "a", "a", "a", "a"]);
        Assert.Equal(0, one.DegreesOfFreedom);
        Assert.Equal(1, one.PValue);

        // Interleaved groups with the same times: O = E exactly.
        var same = LogRankTest.Compute([1, 1, 2, 2, 3, 3], e, ["a", "b", "a", "b", "a", "b"]);
        Assert.Equal(0, same.ChiSquare, 12);
        Assert.Equal(1, same.PValue, 12);
    }

    [Fact]
    public void Survival_metrics_bundle_names_cindex_and_ibs_for_promotion()
    {
        double[] t = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        bool[] e = [true, false, true, true, false, true, true, false, true, true];
        var risk = t.Select(x => -x).ToArray();
        double[] horizons = [3, 6];
        var survival = horizons.Select(h => t.Select(x => x > h ? 0.8 : 0.2).ToArray()).ToArray();
        var metrics = SurvivalMetrics.Compute(t, e, new SurvivalPredictions(risk, horizons, survival));
        var map = metrics.ToDictionary();
        Assert.Equal(1, map["cIndex"]);
        Assert.Equal(metrics.UnoC, map["unoC"]);
        Assert.Equal(metrics.IntegratedBrier!.Value, map["ibs"]);
        Assert.Contains("brier@3", map.Keys);
        Assert.Equal(6, metrics.Tau);
    }
}
