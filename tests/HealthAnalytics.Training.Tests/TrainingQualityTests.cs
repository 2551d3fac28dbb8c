using HealthAnalytics.Training.Tests.Support;

namespace HealthAnalytics.Training.Tests;

public sealed class TrainingQualityTests(TrainedFixture fixture) : IClassFixture<TrainedFixture>
{
    [Fact]
    public void Readmission_On100kRows_AucWithin002OfBayesOptimal()
    {
        var (_, holdout) = Splitter.Split(fixture.Table, Repo.Spec("readmission-risk").Validation, "readmitted_30d");
        var truth = holdout.Select(i => (float)fixture.Data.TrueProbability[i]).ToArray();
        var labels = holdout.Select(i => fixture.Table.Numeric["readmitted_30d"][i] > 0.5).ToArray();
        var bayes = BinaryMetrics.Compute(truth, labels, 0.5).Auc;
        var auc = fixture.Readmission.Metrics["auc"];
        Measurements.Record($"readmission: AUC {auc:F4}, Bayes-optimal on the same holdout {bayes:F4} (generator, all rows {fixture.Data.Truth.BayesAuc:F4}), trained in {fixture.ReadmissionSeconds:F1} s");
        Assert.InRange(auc, bayes - 0.02, 1);
        Assert.True(fixture.ReadmissionSeconds < 20, $"training took {fixture.ReadmissionSeconds:F1} s");
    }

    [Fact]
    public void Subgroups_On100kRows_RecoverLatentGroupsWithTrueK()
    {
        var model = fixture.Subgroups;
        var predicted = ModelScorer.Subgroups(model.Bundle, fixture.Table);
        var ari = ClusteringMath.AdjustedRandIndex(predicted, fixture.Data.Subgroup);
        Measurements.Record($"subgroups: k {model.Metrics["k"]} (true {fixture.Data.Truth.Subgroups}), ARI vs latent {ari:F4}, silhouette {model.Metrics["silhouette"]:F4}, stability {model.Metrics["stability"]:F4}, {fixture.SubgroupSeconds:F1} s");
        Measurements.Record(string.Join(", ", model.KScores.Select(p => $"k={p.Key}: {p.Value:F3}")));
        Assert.Equal(fixture.Data.Truth.Subgroups, (int)model.Metrics["k"]);
        Assert.True(ari >= 0.8, $"ARI {ari:F3}");
        Assert.True(model.Metrics["stability"] >= 0.8);
        Assert.Equal(fixture.Data.Truth.Subgroups, model.Bundle.Manifest.Subgroups.Count);
    }

    [Fact]
    public void Readmission_GroupMetrics_CoverSexAgeBandAndSubgroupWithGaps()
    {
        var dims = fixture.Readmission.GroupMetrics.Select(g => g.Dimension).Distinct().Order().ToArray();
        Assert.Equal(new[] { "ageBand", "sex", "subgroup" }, dims);
        Assert.Contains(fixture.Readmission.Gaps, g => g.Dimension == "sex" && g.Metric == "auc");
        Assert.All(fixture.Readmission.GroupMetrics, g => Assert.True(g.Rows >= 30));
    }
}
