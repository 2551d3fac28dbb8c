using System.Text.Json;
using HealthAnalytics.Synthetic.Cohorts;
using HealthAnalytics.Training.Survival;

namespace HealthAnalytics.Training.Tests.Survival;

/// <summary>The boosted model is deterministic, uses its censored rows, and round-trips through its stored form.</summary>
public sealed class BoostedSurvivalTests
{
    private static readonly Lazy<SyntheticSplit> Small = new(() => SyntheticSplit.Create(new SurvivalCohortOptions { Rows = 3000, Seed = 5 }));

    private static readonly BoostedSurvivalOptions Quick = new() { NumberOfIterations = 30 };

    [Fact]
    public void Two_fits_give_identical_model_bytes_and_predictions()
    {
        var a = BoostedSurvivalTrainer.Fit(Small.Value.Train, Quick);
        var b = BoostedSurvivalTrainer.Fit(Small.Value.Train, Quick);
        var h = Small.Value.Holdout;
        Assert.Equal(a.Predict(h.Features, h.Width, [365, 730]).Survival, b.Predict(h.Features, h.Width, [365, 730]).Survival);
    }

    [Fact]
    public void Parameters_json_and_model_bytes_reload_to_the_same_predictions()
    {
        var fit = BoostedSurvivalTrainer.Fit(Small.Value.Train, Quick);
        var json = JsonSerializer.Serialize(fit.Parameters);
        var back = BoostedSurvivalModel.Load(JsonSerializer.Deserialize<BoostedSurvivalParameters>(json)!, fit.ModelBytes());
        var h = Small.Value.Holdout;
        var horizons = new double[] { 100, 365, 1825, 5000 };
        var a = fit.Predict(h.Features, h.Width, horizons);
        var b = back.Predict(h.Features, h.Width, horizons);
        Assert.Equal(a.Risk, b.Risk);
        Assert.Equal(a.Survival, b.Survival);
        Assert.Equal(fit.MedianSurvivalTimes(h.Features, h.Width), back.MedianSurvivalTimes(h.Features, h.Width));
    }

    [Fact]
    public void Survival_is_one_at_zero_non_increasing_in_time_and_never_nan()
    {
        var fit = BoostedSurvivalTrainer.Fit(Small.Value.Train, Quick);
        var h = Small.Value.Holdout;
        var horizons = new double[] { 0, 1, 30, 365, 730, 1825, 3650, 1e6 };
        var p = fit.Predict(h.Features, h.Width, horizons);
        Assert.All(p.Survival[0], s => Assert.Equal(1, s));
        for (var i = 0; i < h.Rows; i++)
        {
            for (var k = 1; k < horizons.Length; k++)
            {
                Assert.True(p.Survival[k][i] <= p.Survival[k - 1][i], "S(t) increased");
                Assert.InRange(p.Survival[k][i], 0, 1);
            }
        }

        Assert.All(p.Risk, r => Assert.True(double.IsFinite(r)));
    }

    [Fact]
    public void Censored_rows_count_towards_the_intervals_they_were_followed_through()
    {
        var train = Small.Value.Train;
        var fit = BoostedSurvivalTrainer.Fit(train, Quick);
        var b = fit.Parameters.Boundaries;
        var expected = train.Times.Sum(t => (long)Enumerable.Range(0, b.Length - 1).Count(j => j == 0 || t > b[j]));
        Assert.Equal(expected, fit.Parameters.PersonPeriodRows);

        // Dropping the censored rows instead would inflate the hazard: S at the last boundary would fall.
        var eventsOnly = train.Select([.. Enumerable.Range(0, train.Rows).Where(i => train.Events[i])]);
        var biased = BoostedSurvivalTrainer.Fit(eventsOnly, Quick);
        var h = Small.Value.Holdout;
        var s = fit.Predict(h.Features, h.Width, [730]).Survival[0].Average();
        var sBiased = biased.Predict(h.Features, h.Width, [730]).Survival[0].Average();
        Assert.True(sBiased < s - 0.05, $"S(730) with censored rows {s:F3}, events only {sBiased:F3}");
    }

    [Fact]
    public void No_event_is_refused()
    {
        var train = Small.Value.Train;
        var none = new SurvivalData(train.Features, train.Width, train.SlotNames, train.Times, new bool[train.Rows]);
        Assert.Throws<ArgumentException>(() => BoostedSurvivalTrainer.Fit(none, Quick));
    }
}
