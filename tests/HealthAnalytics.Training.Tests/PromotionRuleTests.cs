using HealthAnalytics.Curated;

namespace HealthAnalytics.Training.Tests;

public sealed class PromotionRuleTests
{
    private static readonly PromotionSpec Auc = new() { Metric = "auc", Minimum = 0.6, MaxDropVsChampion = 0.01 };

    [Theory]
    [InlineData(0.75, null, true)]
    [InlineData(0.55, null, false)]
    [InlineData(0.745, 0.75, true)]
    [InlineData(0.73, 0.75, false)]
    public void Decide_AucRule_AppliesMinimumAndChampionMargin(double score, double? champion, bool promoted)
    {
        var (passes, decision) = TrainingService.Decide(Auc, true, score, champion, champion is null ? null : "v0");
        Assert.Equal(promoted, passes);
        Assert.StartsWith(promoted ? "Promoted" : "Rejected", decision, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_LowerIsBetterMetric_RejectsALargerLogLoss()
    {
        var rule = new PromotionSpec { Metric = "logLoss", MaxDropVsChampion = 0.01 };
        var higher = ModelTasks.Get(ModelTask.BinaryClassification).PromotionMetrics["logLoss"];
        Assert.False(TrainingService.Decide(rule, higher, 0.50, 0.45, "v0").Passes);
        Assert.True(TrainingService.Decide(rule, higher, 0.455, 0.45, "v0").Passes);
    }

    [Fact]
    public void Split_TimeSplit_HoldsOutTheLatestRows()
    {
        var days = Enumerable.Range(0, 100).Select(i => (double)((i * 37) % 100)).ToArray();
        var table = new TrainingTable(100, new Dictionary<string, double[]> { ["admission_date"] = days }, new Dictionary<string, string?[]>());
        var (train, holdout) = Splitter.Split(table, new ValidationSpec { Kind = "time-split", TimeColumn = "admission_date", HoldoutFraction = 0.2 }, null);
        Assert.Equal(80, train.Length);
        Assert.True(holdout.Min(i => days[i]) > train.Max(i => days[i]));
    }

    [Fact]
    public void Split_Holdout_IsStratifiedAndSeeded()
    {
        var labels = Enumerable.Range(0, 1000).Select(i => i % 10 == 0 ? 1.0 : 0.0).ToArray();
        var table = new TrainingTable(1000, new Dictionary<string, double[]> { ["y"] = labels }, new Dictionary<string, string?[]>());
        var spec = new ValidationSpec { HoldoutFraction = 0.2, Seed = 3 };
        var (_, holdout) = Splitter.Split(table, spec, "y");
        Assert.Equal(20, holdout.Count(i => labels[i] > 0.5));
        Assert.Equal(holdout, Splitter.Split(table, spec, "y").Holdout);
    }

    [Fact]
    public void Metrics_KnownSmallCase_MatchHandComputedValues()
    {
        // Scores 0.1 (neg), 0.3 (pos), 0.35 (neg), 0.8 (pos): 3 of 4 positive-negative pairs ordered → AUC 0.75.
        var m = BinaryMetrics.Compute([0.1f, 0.3f, 0.35f, 0.8f], [false, true, false, true], 0.5);
        Assert.Equal(0.75, m.Auc, 12);
        Assert.Equal(((0.1 * 0.1) + (0.7 * 0.7) + (0.35 * 0.35) + (0.2 * 0.2)) / 4, m.Brier, 6);
        Assert.Equal(2.0 / 3, m.F1, 12); // tp 1, fn 1, fp 0
        Assert.Equal((1.0 + (2.0 / 3)) / 2, m.Auprc, 12); // precision 1 at 0.8, 2/3 at 0.3
    }
}
