using HealthAnalytics.Synthetic.Cohorts;
using HealthAnalytics.Training.Effects;

namespace HealthAnalytics.Training.Tests.Effects;

public sealed class OverlapTests
{
    [Fact]
    public void Observational_WithoutOverlap_IsRefusedWithTheReasonAndTheTrimmedCounts()
    {
        // Everyone aged 70+ is treated: the control arm is absent there.
        var cohort = CohortData.Generate(3000, 6, TreatmentAssignment.NoOverlap);
        var options = CrossFittingTests.Fast(CohortData.Options(TreatmentAssignment.NoOverlap));
        var fit = EffectEstimator.Fit(CohortData.From(cohort, withTruth: false), options);

        Assert.False(fit.Estimated);
        Assert.Null(fit.Report);
        Assert.Null(fit.Model);
        Assert.Contains("overlap", fit.RefusalReason, StringComparison.Ordinal);
        var o = fit.Overlap;
        Assert.False(o.Sufficient);
        Assert.Equal("model", o.PropensitySource);
        Assert.True(o.TrimmedShare > options.MaxTrimmedShare, $"trimmed share {o.TrimmedShare}");
        Assert.Equal(cohort.Rows, o.KeptRows + o.TrimmedTreated + o.TrimmedControl);
        // The trimmed rows are the treated patients of the region without controls (70+), counted per arm.
        var oldTreated = Enumerable.Range(0, cohort.Rows).Count(i => cohort.Age[i] >= 70 && cohort.Treated[i]);
        Assert.InRange(o.TrimmedTreated, oldTreated / 2, oldTreated + (cohort.Rows / 20));
        var treated = o.Arms.Single(a => a.Arm == "treated");
        Assert.True(treated.P95 > 1 - options.TrimAlpha, $"treated P95 {treated.P95}");
        Assert.Equal(cohort.Treated.Count(x => x), treated.Rows);
        Assert.Equal(treated.Rows, treated.Histogram.Sum());
    }

    [Fact]
    public void Observational_WithGoodOverlap_TrimsAndCountsRowsOutsideTheWindow_ThenEstimatesOnTheRest()
    {
        var cohort = CohortData.Generate(3000, 7, TreatmentAssignment.Confounded);
        // A wide window (0.3) trims some rows of this cohort (propensities 0.15-0.87); a generous cap lets it estimate.
        var options = CrossFittingTests.Fast(CohortData.Options(TreatmentAssignment.Confounded)) with { TrimAlpha = 0.3, MaxTrimmedShare = 0.6 };
        var fit = EffectEstimator.Fit(CohortData.From(cohort), options);

        Assert.True(fit.Estimated, fit.RefusalReason);
        var o = fit.Overlap;
        Assert.True(o.TrimmedTreated + o.TrimmedControl > 0);
        Assert.Equal(o.KeptRows, fit.Report!.KeptRows);
        Assert.Equal(o.KeptRows, fit.OutOfFold!.Kept.Count(k => k));
        Assert.Equal(o.TrimmedTreated, Enumerable.Range(0, cohort.Rows).Count(i => !fit.OutOfFold.Kept[i] && cohort.Treated[i]));
        Assert.All(Enumerable.Range(0, cohort.Rows).Where(i => !fit.OutOfFold.Kept[i]), i => Assert.True(double.IsNaN(fit.OutOfFold.DRLearner[i])));
        Assert.All(Enumerable.Range(0, cohort.Rows).Where(i => fit.OutOfFold.Kept[i]), i => Assert.InRange(fit.OutOfFold.Propensity[i], 0.3, 0.7));
    }

    [Fact]
    public void Randomized_WithAnArmBelowTheMinimum_IsRefused()
    {
        var cohort = CohortData.Generate(400, 8, TreatmentAssignment.Randomized);
        var data = CohortData.From(cohort);
        var treated = data.Treated.Select((t, i) => t && i < 30).ToArray();
        var fit = EffectEstimator.Fit(data with { Treated = treated }, CrossFittingTests.Fast(new EffectOptions { MinArmRows = 20 }) with { MinArmRows = 40 });
        Assert.False(fit.Estimated);
        Assert.Contains("too few rows in an arm", fit.RefusalReason, StringComparison.Ordinal);
    }
}
