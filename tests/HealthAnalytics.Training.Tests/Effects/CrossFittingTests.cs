using HealthAnalytics.Synthetic.Cohorts;
using HealthAnalytics.Training.Effects;

namespace HealthAnalytics.Training.Tests.Effects;

/// <summary>No row's effect (or nuisance) comes from a model that its own data reached: shown from the recorded lineage
/// of every fitted model, and independently by changing one fold's outcomes and watching that fold's estimates not move.</summary>
public sealed class CrossFittingTests
{
    internal static EffectOptions Fast(EffectOptions o) => o with
    {
        Folds = 3,
        OutcomeModel = o.OutcomeModel with { NumberOfIterations = 40, LearningRate = 0.1 },
        PropensityModel = o.PropensityModel with { NumberOfIterations = 40, LearningRate = 0.1 },
        EffectModel = o.EffectModel with { NumberOfIterations = 40, LearningRate = 0.1 },
    };

    [Fact]
    public void EveryFittedModel_ScoresOnlyRowsOutsideItsLineage_AndTheSecondStageLineageIncludesItsTargetsModels()
    {
        var cohort = CohortData.Generate(1500, 3, TreatmentAssignment.Confounded);
        var fit = EffectEstimator.Fit(CohortData.From(cohort), Fast(CohortData.Options(TreatmentAssignment.Confounded)) with { RecordLineage = true });
        Assert.True(fit.Estimated, fit.RefusalReason);
        var oof = fit.OutOfFold!;

        Assert.NotEmpty(fit.Lineage);
        foreach (var record in fit.Lineage)
        {
            var lineage = record.Lineage.ToHashSet();
            Assert.DoesNotContain(record.Scored, lineage.Contains);
            Assert.All(record.Lineage, i => Assert.Equal(record.Half, oof.Half[i]));
            Assert.All(record.Scored, i => Assert.Equal(record.Half, oof.Half[i]));
        }

        // Every kept row gets exactly one T-learner and one DR-learner effect, each from a model fitted without it.
        var kept = Enumerable.Range(0, cohort.Rows).Where(i => oof.Kept[i]).ToArray();
        foreach (var prefix in new[] { "T-learner", "DR second stage" })
        {
            var scored = fit.Lineage.Where(r => r.Model.StartsWith(prefix, StringComparison.Ordinal)).SelectMany(r => r.Scored).ToList();
            Assert.Equal(kept.Order(), scored.Order());
        }

        // The second stage of fold k trains on pseudo-outcomes of the other folds; their nuisance models must not have
        // seen fold k either, so its lineage is the whole half minus fold k, no more (it would be the whole half if the
        // targets came from the ordinary out-of-fold nuisances).
        foreach (var record in fit.Lineage.Where(r => r.Model.StartsWith("DR second stage", StringComparison.Ordinal)))
        {
            var fold = oof.Fold[record.Scored[0]];
            var expected = kept.Where(i => oof.Half[i] == record.Half && oof.Fold[i] != fold).Order();
            Assert.Equal(expected, record.Lineage.Order());
        }
    }

    [Fact]
    public void FlippingTheOutcomesOfOneFold_LeavesThatFoldsOutOfFoldEstimatesBitIdentical()
    {
        var cohort = CohortData.Generate(1500, 4, TreatmentAssignment.Randomized);
        var data = CohortData.From(cohort);
        var options = Fast(CohortData.Options(TreatmentAssignment.Randomized));
        var before = EffectEstimator.Fit(data, options).OutOfFold!;
        var fold = Enumerable.Range(0, data.Rows).Where(i => before.Half[i] == 0 && before.Fold[i] == 0).ToArray();
        var flipped = (double[])data.Outcome.Clone();
        foreach (var i in fold)
        {
            flipped[i] = 1 - flipped[i];
        }

        var after = EffectEstimator.Fit(data with { Outcome = flipped }, options).OutOfFold!;
        foreach (var i in fold)
        {
            Assert.Equal(before.ControlOutcome[i], after.ControlOutcome[i]);
            Assert.Equal(before.TreatedOutcome[i], after.TreatedOutcome[i]);
            Assert.Equal(before.TLearner[i], after.TLearner[i]);
            Assert.Equal(before.DRLearner[i], after.DRLearner[i]);
        }

        // The flip did reach the models that trained on it: the other folds of the half moved, the other half did not.
        var otherFolds = Enumerable.Range(0, data.Rows).Where(i => before.Half[i] == 0 && before.Fold[i] != 0).ToArray();
        Assert.Contains(otherFolds, i => before.DRLearner[i] != after.DRLearner[i]);
        Assert.Contains(otherFolds, i => before.TLearner[i] != after.TLearner[i]);
        Assert.All(Enumerable.Range(0, data.Rows).Where(i => before.Half[i] == 1), i => Assert.Equal(before.DRLearner[i], after.DRLearner[i]));
    }

    [Fact]
    public void Clusters_KeepAllRowsOfAPatientInOneHalfFoldAndPartOfTheTree()
    {
        var cohort = CohortData.Generate(900, 5, TreatmentAssignment.Randomized);
        var clusters = Enumerable.Range(0, cohort.Rows).Select(i => i / 3).ToArray();
        var fit = EffectEstimator.Fit(CohortData.From(cohort) with { Clusters = clusters }, Fast(CohortData.Options(TreatmentAssignment.Randomized)));
        var oof = fit.OutOfFold!;
        foreach (var group in Enumerable.Range(0, cohort.Rows).GroupBy(i => clusters[i]))
        {
            Assert.Single(group.Select(i => (oof.Half[i], oof.Fold[i], oof.GrowsTree[i])).Distinct());
        }

        Assert.Equal(300, fit.Report!.Units);
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.7)]
    public void TheTreeGrowsOnHalfZero_InTheConfiguredShare_AndItsLeavesAreEstimatedOnHalfOne(double growShare)
    {
        var cohort = CohortData.Generate(1500, 6, TreatmentAssignment.Randomized);
        var options = Fast(CohortData.Options(TreatmentAssignment.Randomized)) with { Tree = new SubgroupTreeOptions { GrowShare = growShare }, RecordLineage = true };
        var fit = EffectEstimator.Fit(CohortData.From(cohort), options);
        var oof = fit.OutOfFold!;
        var rows = Enumerable.Range(0, cohort.Rows).ToArray();

        // Half 0 grows the tree, half 1 estimates it; the shares are as configured, overall and in each arm.
        Assert.All(rows, i => Assert.Equal(oof.Half[i] == 0, oof.GrowsTree[i]));
        Assert.InRange(rows.Count(i => oof.GrowsTree[i]) / (double)cohort.Rows, growShare - 0.005, growShare + 0.005);
        foreach (var arm in new[] { true, false })
        {
            var inArm = rows.Where(i => cohort.Treated[i] == arm).ToArray();
            Assert.InRange(inArm.Count(i => oof.GrowsTree[i]) / (double)inArm.Length, growShare - 0.01, growShare + 0.01);
        }

        // The leaves count the growing rows as grown on and the others as estimated on, nothing in both.
        var leaves = fit.Report!.Subgroups.Leaves;
        Assert.Equal(rows.Count(i => oof.Kept[i] && oof.GrowsTree[i]), leaves.Sum(l => l.GrowRows));
        Assert.Equal(rows.Count(i => oof.Kept[i] && !oof.GrowsTree[i]), leaves.Sum(l => l.EstimateRows));

        // Every model is fitted and scores inside one half: nothing the estimation rows reached fed the tree.
        Assert.NotEmpty(fit.Lineage);
        Assert.All(fit.Lineage, r => Assert.All(r.Lineage.Concat(r.Scored), i => Assert.Equal(r.Half, oof.Half[i])));

        // Folds within each half have near-equal sizes.
        foreach (var h in new[] { 0, 1 })
        {
            var sizes = rows.Where(i => oof.Half[i] == h).GroupBy(i => oof.Fold[i]).Select(g => g.Count()).ToArray();
            Assert.Equal(options.Folds, sizes.Length);
            Assert.True(sizes.Max() - sizes.Min() <= 2, $"half {h} fold sizes {string.Join(", ", sizes)}");
        }
    }
}
