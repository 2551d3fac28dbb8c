using HealthAnalytics.Training.Survival;

namespace HealthAnalytics.Training.Tests.Survival;

/// <summary>
/// Our survival statistics against R's <c>survival</c> package on the lung and veteran tables. The reference
/// numbers come from <c>reference/survival-reference.R</c> (committed with its output); tolerances are stated in
/// docs/survival.md and in each assertion.
/// </summary>
public sealed class RReferenceTests
{
    public static TheoryData<string, string> CoxFits => new()
    {
        { "lung", "efron" }, { "lung", "breslow" }, { "lung", "ridge2" }, { "veteran", "efron" }, { "veteran", "breslow" },
    };

    [Theory]
    [MemberData(nameof(CoxFits))]
    public void Cox_coefficients_standard_errors_and_log_likelihood_match_coxph(string dataset, string model)
    {
        var fit = CoxTrainer.Fit(ClinicalTables.Design(dataset), ClinicalTables.Options(model));
        Assert.True(fit.Converged);
        var reference = CsvTable.Reference("cox_coefficients.csv");
        var rows = reference.Where(("dataset", dataset), ("model", model)).ToList();
        Assert.Equal(rows.Count, fit.Coefficients.Length);
        for (var j = 0; j < rows.Count; j++)
        {
            var coef = reference.Number(rows[j], "coef");
            var se = reference.Number(rows[j], "se");
            Close(coef, fit.Coefficients[j], 1e-6, $"coef {j}");
            Close(se, fit.StandardErrors[j], 1e-5, $"se {j}");
        }

        var summary = CsvTable.Reference("cox_fit.csv");
        var s = summary.Where(("dataset", dataset), ("model", model)).Single();
        Assert.Equal((int)summary.Number(s, "events"), fit.Events);
        Close(summary.Number(s, "loglik_null"), fit.LogLikelihoodNull, 1e-9, "null log-likelihood");
        if (model != "ridge2")
        {
            Close(summary.Number(s, "loglik"), fit.LogLikelihood, 1e-9, "log-likelihood");
        }
    }

    [Theory]
    [MemberData(nameof(CoxFits))]
    public void Baseline_hazard_and_predicted_survival_match_survfit(string dataset, string model)
    {
        var data = ClinicalTables.Design(dataset);
        var fit = CoxTrainer.Fit(data, ClinicalTables.Options(model));
        var reference = CsvTable.Reference("cox_survfit.csv");
        var rows = reference.Where(("dataset", dataset), ("model", model)).ToList();
        Assert.NotEmpty(rows);
        foreach (var r in rows)
        {
            var time = reference.Number(r, "time");
            var row = (int)reference.Number(r, "row");
            if (row == 0)
            {
                // R's default curve is for a pseudo-row at the covariate means, except that a factor's dummies are
                // set to 0 (its reference level) in survival 3.x.
                var pseudo = fit.Means.Select((m, j) => data.SlotNames[j].Contains('=', StringComparison.Ordinal) ? 0f : (float)m).ToArray();
                var s = fit.Survival(pseudo, time);
                Close(reference.Number(r, "cumhaz"), -Math.Log(s), 1e-6, $"H0({time})");
                Close(reference.Number(r, "surv"), s, 1e-6, $"S0({time})");
            }
            else
            {
                Close(reference.Number(r, "surv"), fit.Survival(data.Row(row - 1), time), 1e-6, $"S({time}) of row {row}");
            }
        }
    }

    [Theory]
    [InlineData("lung", "efron")]
    [InlineData("lung", "breslow")]
    [InlineData("veteran", "efron")]
    [InlineData("veteran", "breslow")]
    public void Ipcw_brier_score_of_the_cox_predictions_matches_R(string dataset, string model)
    {
        var data = ClinicalTables.Design(dataset);
        var fit = CoxTrainer.Fit(data, ClinicalTables.Options(model));
        var reference = CsvTable.Reference("brier.csv");
        var rows = reference.Where(("dataset", dataset), ("model", model)).ToList();
        var horizons = rows.Select(r => reference.Number(r, "time")).ToArray();
        var predictions = fit.Predict(data.Features, data.Width, horizons);
        var censoring = KaplanMeier.Censoring(data.Times, data.Events);
        for (var h = 0; h < horizons.Length; h++)
        {
            var ours = BrierScore.At(horizons[h], data.Times, data.Events, predictions.Survival[h], censoring);
            Assert.NotNull(ours);
            Close(reference.Number(rows[h], "brier"), ours.Value, 1e-6, $"Brier({horizons[h]})");
        }
    }

    [Fact]
    public void Harrell_and_Uno_concordance_match_R_concordance_with_ties()
    {
        var reference = CsvTable.Reference("concordance.csv");
        Assert.Equal(10, reference.Rows.Count);
        foreach (var r in reference.Rows)
        {
            var dataset = reference.Text(r, "dataset");
            var predictor = reference.Text(r, "predictor");
            var (times, events, risk) = Scores(dataset, predictor);
            var result = reference.Text(r, "timewt") == "n"
                ? Concordance.Harrell(times, events, risk)
                : Concordance.Uno(times, events, risk, reference.Number(r, "ymax"));
            var what = $"{dataset}/{predictor}/{reference.Text(r, "timewt")}";
            Close(reference.Number(r, "concordant"), result.Concordant, 1e-9, what + " concordant");
            Close(reference.Number(r, "discordant"), result.Discordant, 1e-9, what + " discordant");
            Close(reference.Number(r, "tied_x"), result.TiedRisk, 1e-9, what + " tied.x");
            Close(reference.Number(r, "tied_y"), result.TiedTime, 1e-9, what + " tied.y");
            Close(reference.Number(r, "c"), result.Index, 1e-9, what + " C");
            Close(reference.Number(r, "std_err"), result.StandardError, 1e-9, what + " standard error");
        }
    }

    [Fact]
    public void Kaplan_Meier_numbers_at_risk_survival_intervals_and_medians_match_survfit()
    {
        var reference = CsvTable.Reference("km.csv");
        foreach (var group in reference.Rows.GroupBy(r => (reference.Text(r, "dataset"), reference.Text(r, "group"))))
        {
            var (times, events) = Group(group.Key.Item1, group.Key.Item2);
            var curve = KaplanMeier.Fit(times, events);
            foreach (var r in group)
            {
                var p = curve.At(reference.Number(r, "time"));
                var what = $"{group.Key}/{p.Time}";
                Assert.Equal((int)reference.Number(r, "n_risk"), p.NumberAtRisk);
                Close(reference.Number(r, "surv"), p.Survival, 1e-12, what + " S");
                Close(reference.Number(r, "std_err"), p.StandardError, 1e-9, what + " se");
                Close(reference.Number(r, "lower"), p.Lower, 1e-9, what + " lower");
                Close(reference.Number(r, "upper"), p.Upper, 1e-9, what + " upper");
            }
        }

        var medians = CsvTable.Reference("km_median.csv");
        foreach (var r in medians.Rows)
        {
            var (times, events) = Group(medians.Text(r, "dataset"), medians.Text(r, "group"));
            Assert.Equal(medians.Number(r, "median"), KaplanMeier.Fit(times, events).Median());
        }
    }

    [Fact]
    public void Log_rank_test_matches_survdiff_for_two_and_four_groups()
    {
        var reference = CsvTable.Reference("survdiff.csv");
        var groups = CsvTable.Reference("survdiff_groups.csv");
        foreach (var r in reference.Rows)
        {
            var dataset = reference.Text(r, "dataset");
            var grouping = reference.Text(r, "grouping");
            var t = dataset == "lung" ? ClinicalTables.Lung : ClinicalTables.Veteran;
            var rows = t.Rows.Where(row => t.Text(row, grouping) != "NA").ToList();
            var eventCode = dataset == "lung" ? 2 : 1;
            var result = LogRankTest.Compute(
                [.. rows.Select(row => t.Number(row, "time"))], [.. rows.Select(row => t.Number(row, "status") == eventCode)], [.. rows.Select(row => t.Text(row, grouping))]);
            Close(reference.Number(r, "chisq"), result.ChiSquare, 1e-9, grouping + " chi-square");
            Assert.Equal((int)reference.Number(r, "df"), result.DegreesOfFreedom);
            Close(reference.Number(r, "p"), result.PValue, 1e-7, grouping + " p");
            foreach (var g in groups.Where(("dataset", dataset), ("grouping", grouping)))
            {
                var ours = result.Groups.Single(x => x.Group == groups.Text(g, "group"));
                Assert.Equal((int)groups.Number(g, "n"), ours.Rows);
                Close(groups.Number(g, "obs"), ours.Observed, 1e-12, grouping + " observed");
                Close(groups.Number(g, "exp"), ours.Expected, 1e-9, grouping + " expected");
            }
        }
    }

    private static (double[] Times, bool[] Events, double[] Risk) Scores(string dataset, string predictor)
    {
        if (predictor == "lp")
        {
            var data = ClinicalTables.Design(dataset);
            var fit = CoxTrainer.Fit(data, ClinicalTables.Options("efron"));
            return (data.Times, data.Events, fit.Predict(data.Features, data.Width, []).Risk);
        }

        var t = dataset == "lung" ? ClinicalTables.Lung : ClinicalTables.Veteran;
        var rows = t.Rows.Where(r => !double.IsNaN(t.Number(r, predictor))).ToList();
        var eventCode = dataset == "lung" ? 2 : 1;
        return ([.. rows.Select(r => t.Number(r, "time"))], [.. rows.Select(r => t.Number(r, "status") == eventCode)], [.. rows.Select(r => t.Number(r, predictor))]);
    }

    private static (double[] Times, bool[] Events) Group(string dataset, string group)
    {
        var t = dataset == "lung" ? ClinicalTables.Lung : ClinicalTables.Veteran;
        var eventCode = dataset == "lung" ? 2 : 1;
        var rows = group == "all" ? t.Rows : t.Rows.Where(r => t.Text(r, group.Split('=')[0]) == group.Split('=')[1]).ToList();
        return ([.. rows.Select(r => t.Number(r, "time"))], [.. rows.Select(r => t.Number(r, "status") == eventCode)]);
    }

    /// <summary>|expected − actual| ≤ tolerance · max(1, |expected|).</summary>
    internal static void Close(double expected, double actual, double tolerance, string what)
    {
        Assert.True(double.IsFinite(actual), $"{what}: not finite");
        var bound = tolerance * Math.Max(1, Math.Abs(expected));
        Assert.True(Math.Abs(expected - actual) <= bound, $"{what}: expected {expected:R}, got {actual:R} (tolerance {bound:G3})");
    }
}
