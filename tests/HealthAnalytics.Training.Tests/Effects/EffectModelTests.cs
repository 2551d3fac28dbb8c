using HealthAnalytics.Training.Tests.Effects.Validation;
using HealthAnalytics.Training.Tests.Support;
using HealthAnalytics.Training;
using HealthAnalytics.Synthetic.Cohorts;
using HealthAnalytics.Training.Effects;

namespace HealthAnalytics.Training.Tests.Effects;

public sealed class EffectModelTests
{
    [Fact]
    public void SmallRandomizedCohort_RecoversTheAteTheSubgroupsAndBeatsTheTLearner()
    {
        // The suite's small version of the full validation (docs/treatment-effects-figures.md runs 50k rows x 20 seeds).
        var cohort = CohortData.Generate(12_000, 21, TreatmentAssignment.Randomized);
        var fit = EffectEstimator.Fit(CohortData.From(cohort), CohortData.Options(TreatmentAssignment.Randomized) with { Folds = 3 });
        var r = fit.Report!;
        var sd = Math.Sqrt(cohort.TrueEffect.Average(t => (t - cohort.TrueAte) * (t - cohort.TrueAte)));
        var dr = r.Learners.Single(l => l.Learner == EffectLearner.DRLearner);
        var t = r.Learners.Single(l => l.Learner == EffectLearner.TLearner);
        var ari = ClusteringMath.AdjustedRandIndex(fit.OutOfFold!.Leaf, cohort.TrueSubgroup);
        Measurements.Record($"effects small: ATE {r.Ate.Value:F4} [{r.Ate.Lower:F4}, {r.Ate.Upper:F4}] truth {cohort.TrueAte:F4}; PEHE DR {dr.Pehe:F4} T {t.Pehe:F4} SD {sd:F4}; ARI {ari:F3}; {r.Seconds:F1} s");

        Assert.InRange(cohort.TrueAte, r.Ate.Lower, r.Ate.Upper);
        Assert.True(dr.Pehe < t.Pehe, $"DR PEHE {dr.Pehe} vs T {t.Pehe}");
        Assert.True(dr.Pehe < 0.8 * sd, $"DR PEHE {dr.Pehe} vs SD {sd}");
        Assert.True(ari >= 0.5, $"ARI {ari}");
        Assert.True(dr.Qini.Coefficient.Lower > 0, "the ranking by predicted benefit should beat random targeting");
        Assert.True(r.Policy.VersusTreatAll.Value < 0 && r.Policy.VersusTreatNone.Value < 0, "fewer events than treating all or none");
        Assert.Contains(r.Subgroups.Leaves, l => l.Rule.Contains("stage in {III, IV}", StringComparison.Ordinal) && l.Verdict == "benefit");
    }

    [Theory]
    [InlineData(31)]
    [InlineData(32)]
    [InlineData(33)]
    public void SmallCohort_EveryLeafHoldsEnoughEstimationRowsForItsInterval(int seed)
    {
        // 3 in 4 rows grow the tree, 1 in 4 estimates it: the leaf floor counts estimation rows (~30 a leaf), so a small
        // cohort with strong subgroups gets fewer, larger leaves instead of many leaves on a handful of rows each.
        var cohort = CohortData.Generate(600, seed, TreatmentAssignment.Randomized);
        var fit = EffectEstimator.Fit(CohortData.From(cohort), CrossFittingTests.Fast(CohortData.Options(TreatmentAssignment.Randomized)));
        var leaves = fit.Report!.Subgroups.Leaves;
        Measurements.Record($"effects small cohort seed {seed}: {leaves.Count} leaves, estimation rows {string.Join('/', leaves.Select(l => l.EstimateRows))}");
        Assert.All(leaves, l => Assert.True(l.EstimateRows >= 20, $"leaf '{l.Rule}': {l.EstimateRows} estimation rows"));
    }

    [Fact]
    public void SavedAndLoadedModel_PredictsTheSame_WithTheLeafIntervalAndThePolicyArm()
    {
        var cohort = CohortData.Generate(3000, 22, TreatmentAssignment.Randomized);
        var data = CohortData.From(cohort);
        var fit = EffectEstimator.Fit(data, CrossFittingTests.Fast(CohortData.Options(TreatmentAssignment.Randomized)) with { PolicyThreshold = 0.02 });
        var model = fit.Model!;
        var json = model.SaveParameters();
        var bytes = model.SaveModels();
        Assert.Equal(["mu0", "mu1", "tau"], bytes.Keys.Order());
        Assert.All(bytes.Values, b => Assert.NotEmpty(b));
        var loaded = EffectModel.Load(json, bytes.ToDictionary(p => p.Key, p => p.Value));

        for (var i = 0; i < 25; i++)
        {
            var raw = new Dictionary<string, object?>
            {
                ["age"] = cohort.Age[i], ["sex"] = cohort.Sex[i], ["stage"] = cohort.Stage[i], ["crp"] = double.IsNaN(cohort.Crp[i]) ? null : cohort.Crp[i],
                ["egfr"] = cohort.Egfr[i], ["bmi"] = cohort.Bmi[i], ["diabetes"] = cohort.Diabetes[i], ["smoker"] = cohort.Smoker[i],
            };
            var features = data.Features.AsSpan(i * data.Width, data.Width);
            var a = model.Predict(features, raw);
            var b = loaded.Predict(features, raw);
            Assert.Equal(a, b);
            Assert.InRange(a.ControlOutcome, 0, 1);
            Assert.InRange(a.TreatedOutcome, 0, 1);
            Assert.Equal(-a.Effect, a.Benefit);
            Assert.Equal(a.Benefit > 0.02, a.RecommendTreatment);
            var leaf = fit.Report!.Subgroups.Leaves.Single(l => l.Id == a.Subgroup);
            Assert.Equal(fit.OutOfFold!.Leaf[i], a.Subgroup);
            Assert.Equal(leaf.Rule, a.Rule);
            Assert.Equal(leaf.Effect, a.Interval);
        }
    }

    [Fact]
    public void RealTrial_Veteran_ReportsAipwBesideTheUnadjustedEstimate()
    {
        var directory = ClinicalTrials.Directory();
        Assert.SkipWhen(directory is null, "clinical corpus (tests/corpora/clinical) not present");
        var trial = ClinicalTrials.Veteran(directory!);
        Assert.Equal(134, trial.Data.Rows); // 137 patients, 3 censored alive before day 90
        var fit = EffectEstimator.Fit(trial.Data, CrossFittingTests.Fast(new EffectOptions { Direction = OutcomeDirection.LowerIsBetter }));
        Assert.True(fit.Estimated, fit.RefusalReason);
        var r = fit.Report!;
        Assert.Equal("arm-share", fit.Overlap.PropensitySource);
        Assert.Equal(0, fit.Overlap.TrimmedTreated + fit.Overlap.TrimmedControl);
        // Randomized: adjustment may sharpen the estimate but must not move it far from the trial's own comparison.
        Assert.True(Math.Abs(r.Ate.Value - r.UnadjustedAte.Value) < r.UnadjustedAte.StandardError, $"{r.Ate} vs {r.UnadjustedAte}");
        Assert.NotEmpty(r.Subgroups.Leaves);
        Assert.Equal(trial.Data.Rows, r.Subgroups.Leaves.Sum(l => l.GrowRows + l.EstimateRows));
    }
}
