using HealthAnalytics.Curated;
using HealthAnalytics.Training.Tests.Support;

namespace HealthAnalytics.Training.Tests;

/// <summary>Honest evaluation on small data (docs/models.md, "Evaluation").</summary>
public sealed class EvaluationTests
{
    private static ModelSpec Logistic => Repo.Spec("readmission-risk") with { Trainer = new() { Name = "logistic-regression" } };

    [Fact]
    public void FoldAssignments_AreStratifiedSeededAndDifferPerRepeat()
    {
        var strata = Enumerable.Range(0, 1003).Select(i => i % 7 == 0 ? 1 : 0).ToArray(); // 144 positives
        var folds = SupervisedEvaluation.FoldAssignments(strata, 5, 3, 42);

        Assert.Equal(3, folds.Length);
        Assert.Equal(folds, SupervisedEvaluation.FoldAssignments(strata, 5, 3, 42));
        Assert.NotEqual(folds[0], folds[1]);
        foreach (var assignment in folds)
        {
            for (var f = 0; f < 5; f++)
            {
                var rows = Enumerable.Range(0, strata.Length).Where(i => assignment[i] == f).ToList();
                Assert.InRange(rows.Count, 200, 201);
                Assert.InRange(rows.Count(i => strata[i] == 1), 28, 29); // 144 / 5, the rate kept in every fold
            }
        }
    }

    [Fact]
    public void Estimate_IsMeanSdAndTheCorrectedRepeatedCvInterval()
    {
        // 10 fold values (5 folds × 2 repeats), worked by hand:
        double[] values = [0.70, 0.80, 0.75, 0.70, 0.80, 0.75, 0.70, 0.80, 0.75, 0.75];
        var e = SupervisedEvaluation.Estimate(values, 5);

        // Σ(x−m)² = 6 × 0.0025 = 0.015 → S² = 0.015 / 9; SE = √((1/10 + 1/4) · S²) = √(0.35 · 0.0016667) = 0.0241523;
        // t(9, 0.975) = 2.2621572.
        Assert.Equal(0.75, e.Mean, 12);
        Assert.Equal(Math.Sqrt(0.015 / 9), e.Sd!.Value, 12);
        Assert.Equal(0.75 - (2.2621572 * 0.0241523), e.Low!.Value, 5);
        Assert.Equal(0.75 + (2.2621572 * 0.0241523), e.High!.Value, 5);
    }

    [Fact]
    public async Task SmallData_IsCrossValidated_AndTheServedModelIsRefitOnAllRows()
    {
        var table = await Repo.ReadAsync(await TestEncounters.Generate(1500, 17).ToParquetAsync());
        var model = BinaryTrainer.Train(Logistic, Repo.Encounters, table, "v", null, "test", DateTimeOffset.UnixEpoch);

        var evaluation = model.Evaluation!;
        Assert.Equal("cross-validation", evaluation.Kind);
        Assert.Equal((5, 3), (evaluation.Folds, evaluation.Repeats));
        Assert.Equal(15, model.CrossValidation!.FoldMetrics.Count);
        Assert.Equal(model.CrossValidation.FoldMetrics.Average(m => m["auc"]), model.Metrics["auc"], 12);
        var auc = evaluation.Metrics["auc"];
        Assert.True(auc.Low < auc.Mean && auc.Mean < auc.High, $"{auc}");
        Assert.Equal(0, model.Holdout.RowCount);
        Assert.Equal(1500, model.TrainRows);

        // The served model is the refit on every row: the same as fitting the learner on the whole table.
        var refit = BinaryTrainer.Learner(Logistic, Repo.Encounters, "v", "test", DateTimeOffset.UnixEpoch).Fit(table, BinaryTrainer.Labelled(Logistic, Repo.Encounters, table).Y);
        Assert.Equal(ModelScorer.Probabilities(refit, table), ModelScorer.Probabilities(model.Bundle, table));
    }

    [Fact]
    public async Task FewEvents_AreFlaggedOnTheEvaluation()
    {
        var table = await Repo.ReadAsync(await TestEncounters.Generate(400, 23).ToParquetAsync());
        var model = BinaryTrainer.Train(Logistic, Repo.Encounters, table, "v", null, "test", DateTimeOffset.UnixEpoch);
        var evaluation = model.Evaluation!;

        Assert.True(evaluation.FewestEventsPerFold < SupervisedEvaluation.FewEventsPerFold, $"{evaluation.FewestEventsPerFold}");
        Assert.Contains(evaluation.Warnings, w => w.StartsWith("Estimates rest on few minority-class rows", StringComparison.Ordinal));
    }

    [Fact]
    public void LargeData_KeepsTheHoldout()
    {
        // 6000 rows, a balanced outcome: over both small-data limits.
        var n = 6000;
        var random = new Random(5);
        var x = Enumerable.Range(0, n).Select(_ => random.NextDouble()).ToArray();
        var y = x.Select(v => random.NextDouble() < v ? 1.0 : 0.0).ToArray();
        var table = new TrainingTable(n, new Dictionary<string, double[]> { ["age"] = x, ["readmitted_30d"] = y }, new Dictionary<string, string?[]>());
        var spec = Logistic with { Features = [new("age")] };

        var model = BinaryTrainer.Train(spec, Repo.Encounters, table, "v", null, "test", DateTimeOffset.UnixEpoch);

        Assert.Equal("holdout", model.Evaluation!.Kind);
        Assert.Null(model.CrossValidation);
        Assert.Equal(1200, model.Holdout.RowCount);
        Assert.Equal(4800, model.TrainRows);
    }

    [Fact]
    public async Task Promotion_ReRunsTheChampionsSpecOnTheCandidatesFolds()
    {
        await using var azurite = await AzuriteModels.CreateAsync();
        await azurite.AddUploadAsync("upload-a", await TestEncounters.Generate(1500, 41, "a").ToParquetAsync());
        var ct = TestContext.Current.CancellationToken;
        var shipped = await File.ReadAllTextAsync(Path.Combine(Repo.ConfigDirectory, "models", "readmission-risk.json"), ct);
        async Task PutSpecAsync(string trainer)
        {
            var json = shipped.Replace("\"minimumRows\": 1000", "\"minimumRows\": 100", StringComparison.Ordinal)
                .Replace("\"name\": \"lightgbm\"", $"\"name\": \"{trainer}\"", StringComparison.Ordinal);
            await azurite.Config.GetBlobClient("models/readmission-risk.json").UploadAsync(BinaryData.FromString(json), overwrite: true, ct);
            await azurite.Catalog.RefreshAsync(ct);
        }

        await PutSpecAsync("fasttree");
        var champion = await azurite.Training.TrainAsync("readmission-risk", ct);
        Assert.True(champion.Promoted, champion.Reason);
        Assert.Equal("cross-validation", champion.Version!.Evaluation!.Kind);

        // Same data, another spec: the champion's stored spec is re-run on the candidate's folds. The folds depend only on
        // the rows, the outcome and the seed, so that re-run reproduces the champion's own cross-validated AUC exactly.
        await PutSpecAsync("lightgbm");
        var candidate = await azurite.Training.TrainAsync("readmission-risk", ct);
        Assert.Equal(TrainingRunStatus.Trained, candidate.Status);
        Assert.Equal(champion.Version.Metrics["auc"], candidate.Version!.ChampionScore!.Value, 12);
        Assert.Contains("on the same folds; paired difference", candidate.Reason, StringComparison.Ordinal);
    }
}
