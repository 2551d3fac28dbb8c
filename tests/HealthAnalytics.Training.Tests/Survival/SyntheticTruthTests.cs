using System.Diagnostics;
using System.Globalization;
using HealthAnalytics.Training.Tests.Support;
using HealthAnalytics.Synthetic.Cohorts;
using HealthAnalytics.Training.Survival;

namespace HealthAnalytics.Training.Tests.Survival;

/// <summary>
/// Recovery of a known Weibull proportional-hazards truth (20k generated rows, half held out): the fitted Cox model's
/// held-out C-index is within 0.01 of the oracle C-index (the true linear predictor's, same rows) and its S(t) within
/// 0.02 of the true S(t) on average at each horizon. The boosted model is measured beside it.
/// </summary>
public sealed class SyntheticTruthTests
{
    private static readonly Lazy<SyntheticSplit> Split = new(() => SyntheticSplit.Create(new SurvivalCohortOptions { Rows = 20_000, Seed = 14 }));

    [Fact]
    public void Cox_held_out_c_index_is_within_001_of_the_oracle_and_survival_within_002_of_the_truth()
    {
        var split = Split.Value;
        var horizons = split.Cohort.Options.HorizonsDays;
        var clock = Stopwatch.StartNew();
        var fit = CoxTrainer.Fit(split.Train);
        var seconds = clock.Elapsed.TotalSeconds;
        Assert.True(fit.Converged);
        var predictions = fit.Predict(split.Holdout.Features, split.Holdout.Width, horizons);
        var oracle = Concordance.Harrell(split.Holdout.Times, split.Holdout.Events, [.. split.HoldoutRows.Select(i => split.Cohort.TrueLinearPredictor[i])]).Index;
        var ours = Concordance.Harrell(split.Holdout.Times, split.Holdout.Events, predictions.Risk).Index;
        Measurements.Record(string.Create(CultureInfo.InvariantCulture, $"survival synthetic cox: C {ours:F4} oracle {oracle:F4} fit {seconds:F2}s rows {split.Train.Rows}"));
        Assert.InRange(ours, oracle - 0.01, oracle + 0.01);
        for (var h = 0; h < horizons.Count; h++)
        {
            var truth = split.HoldoutRows.Select(i => split.Cohort.TrueSurvival[h][i]).ToArray();
            var error = predictions.Survival[h].Select((s, k) => Math.Abs(s - truth[k])).Average();
            Measurements.Record(string.Create(CultureInfo.InvariantCulture, $"survival synthetic cox: mean |S-S_true| at {horizons[h]} d = {error:F4}"));
            Assert.True(error <= 0.02, $"mean |S − S_true| at {horizons[h]} days = {error:F4}");
        }
    }

    [Fact]
    public void Boosted_model_uses_censored_rows_and_is_reported_beside_cox()
    {
        var split = Split.Value;
        var horizons = split.Cohort.Options.HorizonsDays;
        var clock = Stopwatch.StartNew();
        var boosted = BoostedSurvivalTrainer.Fit(split.Train);
        var seconds = clock.Elapsed.TotalSeconds;
        var predictions = boosted.Predict(split.Holdout.Features, split.Holdout.Width, horizons);
        var metrics = SurvivalMetrics.Compute(split.Holdout.Times, split.Holdout.Events, predictions);
        var cox = SurvivalMetrics.Compute(split.Holdout.Times, split.Holdout.Events, CoxTrainer.Fit(split.Train).Predict(split.Holdout.Features, split.Holdout.Width, horizons));
        var oracle = Concordance.Harrell(split.Holdout.Times, split.Holdout.Events, [.. split.HoldoutRows.Select(i => split.Cohort.TrueLinearPredictor[i])]).Index;
        var errors = horizons.Select((_, h) => predictions.Survival[h].Select((s, k) => Math.Abs(s - split.Cohort.TrueSurvival[h][split.HoldoutRows[k]])).Average()).ToArray();
        Measurements.Record(string.Create(CultureInfo.InvariantCulture,
            $"survival synthetic boosted: C {metrics.HarrellC:F4} (cox {cox.HarrellC:F4}, oracle {oracle:F4}) IBS {metrics.IntegratedBrier:F4} (cox {cox.IntegratedBrier:F4}) mean |S-S_true| {string.Join('/', errors.Select(e => e.ToString("F4", CultureInfo.InvariantCulture)))} fit {seconds:F2}s person-periods {boosted.Parameters.PersonPeriodRows}"));

        // Every training row contributes at least the interval it was censored or died in.
        Assert.True(boosted.Parameters.PersonPeriodRows >= split.Train.Rows);
        Assert.InRange(metrics.HarrellC, oracle - 0.03, oracle + 0.01);
        Assert.All(errors, e => Assert.True(e <= 0.05, $"boosted mean |S − S_true| {e:F4}"));
    }

    [Fact]
    public void Generator_is_seeded_and_its_csv_codes_status_1_censored_2_event()
    {
        var options = new SurvivalCohortOptions { Rows = 500, Seed = 3 };
        var a = new StringWriter();
        var b = new StringWriter();
        var cohort = SurvivalCohort.Generate(options);
        cohort.WriteCsv(a);
        SurvivalCohort.Generate(options).WriteCsv(b);
        Assert.Equal(a.ToString(), b.ToString());
        var lines = a.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("patient_id,age,sex,bmi,sbp,stage,smoker,creatinine,time_days,status", lines[0]);
        Assert.Equal(501, lines.Length);
        var status = lines.Skip(1).Select(l => l.Split(',')[^1]).ToArray();
        Assert.Equal(cohort.Event.Count(e => e), status.Count(s => s == "2"));
        Assert.Equal(cohort.Event.Count(e => !e), status.Count(s => s == "1"));
        Assert.Contains(lines.Skip(1), l => l.Split(',')[3].Length == 0); // some bmi missing

        // The truth file's S(t) is the Weibull PH survival of the written row's true linear predictor.
        var truth = new StringWriter();
        cohort.WriteTruthCsv(truth);
        var first = truth.ToString().Split('\n')[1].Split(',');
        var lp = double.Parse(first[1], CultureInfo.InvariantCulture);
        Assert.Equal(Math.Exp(-Math.Pow(365 / options.WeibullScaleDays, options.WeibullShape) * Math.Exp(lp)), double.Parse(first[4], CultureInfo.InvariantCulture), 12);

        // Censoring is independent of the covariates: the censoring times of high- and low-risk halves have the same median within noise.
        var order = Enumerable.Range(0, cohort.Rows).OrderBy(i => cohort.TrueLinearPredictor[i]).ToArray();
        var low = order.Take(250).Select(i => cohort.LatentCensoringDays[i]).Order().ElementAt(125);
        var high = order.Skip(250).Select(i => cohort.LatentCensoringDays[i]).Order().ElementAt(125);
        Assert.InRange(high / low, 0.8, 1.25);
    }
}
