using System.Text.Json;
using HealthAnalytics.Serving;
using HealthAnalytics.Training.Survival;

namespace HealthAnalytics.Training.Tests.Survival;

/// <summary>
/// The survival task through the model-task seam, in process (docs/survival.md, "Training", "Evaluation", "Prediction",
/// "Model card"): which rows are used, how it is evaluated, what the champion is scored on, what a stored bundle predicts.
/// </summary>
public sealed class SurvivalTaskTests
{
    private static readonly IModelTask Task = ModelTasks.Get(ModelTask.Survival);

    private static ModelSpec Boosted => SurvivalCohortTable.Spec with { Trainer = new TrainerSpec { Name = "boosted-survival", NumberOfIterations = 40 } };

    [Fact]
    public void LargeData_HoldoutStratifiedOnTheEvent_CensoredRowsUsed_RowsWithoutOutcomeCounted()
    {
        var data = SurvivalCohortTable.Generate(6000, seed: 3);
        var time = data.Table.Numeric["time_days"];
        var status = data.Table.Numeric["status"];
        for (var i = 0; i < 12; i++)
        {
            time[i * 7] = double.NaN; // 12 missing times
        }

        status[5] = double.NaN; // 1 missing event (row 5 has its time)
        time[1] = 0; // 1 time not positive

        var trained = Task.Train(data.Request());
        var used = 6000 - 14;
        Assert.Equal(used, trained.TrainRows + trained.Holdout.RowCount);
        Assert.InRange(trained.Holdout.RowCount, (int)(used * 0.2) - 1, (int)(used * 0.2) + 1);

        // Censored rows are in both parts; the event share of the holdout is the overall one (stratified).
        var events = Enumerable.Range(0, 6000).Where(i => double.IsFinite(time[i]) && time[i] > 0 && status[i] == 2).Count();
        var holdoutEvents = trained.Holdout.Numeric["status"].Count(s => s == 2);
        Assert.InRange(holdoutEvents, (events * trained.Holdout.RowCount / (double)used) - 1, (events * trained.Holdout.RowCount / (double)used) + 1);
        Assert.Contains(trained.Holdout.Numeric["status"], s => s == 1);

        var outcome = Assert.Single(trained.CardSections.OfType<SurvivalOutcomeSection>());
        Assert.Equal((12, 1, 1, used, events), (outcome.MissingTime, outcome.MissingEvent, outcome.NonPositiveTime, outcome.RowsUsed, outcome.Events));

        Assert.Equal(14, trained.RowsWithoutOutcome);
        var evaluation = trained.Evaluation!;
        Assert.Equal("holdout", evaluation.Kind);
        Assert.Equal((trained.Metrics["cIndexLower95"], trained.Metrics["cIndexUpper95"]), (evaluation.Metrics["cIndex"].Low!.Value, evaluation.Metrics["cIndex"].High!.Value));
        foreach (var key in new[] { "cIndex", "unoC", "ibs", "brier@365", "brier@730", "brier@1825", "calibrationMae@365", "calibrationMae@1825", "cIndexLower95", "cIndexUpper95" })
        {
            Assert.True(trained.Metrics.TryGetValue(key, out var value) && double.IsFinite(value), key);
        }

        // Harrell's C of the held-out rows, recomputed from the stored model's own risk scores: nothing else was scored.
        var model = FittedSurvivalModel.FromBundle(trained.Bundle);
        var risk = model.Predict(trained.Holdout, [365]).Risk;
        var c = Concordance.Harrell(trained.Holdout.Numeric["time_days"], [.. trained.Holdout.Numeric["status"].Select(s => s == 2)], risk);
        Assert.Equal(c.Index, trained.Metrics["cIndex"], 12);
        Assert.InRange(trained.Metrics["cIndex"], trained.Metrics["cIndexLower95"], trained.Metrics["cIndexUpper95"]);

        // Close to the oracle C of the true linear predictor on the same held-out rows.
        var oracle = Concordance.Harrell(trained.Holdout.Numeric["time_days"], [.. trained.Holdout.Numeric["status"].Select(s => s == 2)], trained.Holdout.Numeric["true_lp"]);
        Assert.InRange(trained.Metrics["cIndex"], oracle.Index - 0.02, oracle.Index + 0.005);
    }

    [Fact]
    public void SmallData_IsCrossValidated_AndTheServedModelIsRefitOnEveryRow()
    {
        var data = SurvivalCohortTable.Generate(700, seed: 5);
        var trained = Task.Train(data.Request());
        Assert.Equal(700, trained.TrainRows);
        Assert.Equal(0, trained.Holdout.RowCount);
        var evaluation = trained.Evaluation!;
        Assert.Equal(("cross-validation", 5, 3), (evaluation.Kind, evaluation.Folds!.Value, evaluation.Repeats!.Value));
        var cIndex = evaluation.Metrics["cIndex"];
        Assert.True(cIndex.Low < cIndex.Mean && cIndex.Mean < cIndex.High);
        Assert.Equal(cIndex.Mean, trained.Metrics["cIndex"]);

        // The served model is a fit on all 700 rows: the same as fitting the spec on them directly.
        var outcome = SurvivalOutcome.Read(SurvivalCohortTable.Spec.Survival!, SurvivalCohortTable.Schema, data.Table);
        var direct = SurvivalLearner.Fit(SurvivalCohortTable.Spec, SurvivalCohortTable.Schema, data.Table, outcome.Times, outcome.Events);
        var served = Assert.IsType<CoxModel>(FittedSurvivalModel.FromBundle(trained.Bundle).Model);
        Assert.Equal(((CoxModel)direct.Model).Coefficients, served.Coefficients);
        Assert.Equal(700, served.Rows);

        // Each fold's metrics come from a model that did not see the fold: the mean over the 15 folds is the headline.
        var run = trained.CrossValidation!;
        Assert.Equal(15, run.FoldMetrics.Count);
        Assert.Equal(run.FoldMetrics.Average(m => m["cIndex"]), trained.Metrics["cIndex"], 12);
        var events = run.Table.Numeric["status"].Select(s => s == 2).ToArray();
        foreach (var assignment in run.Assignments)
        {
            for (var f = 0; f < 5; f++)
            {
                var (train, test) = SurvivalEvaluation.FoldRows(assignment, f);
                Assert.Empty(train.Intersect(test));
                Assert.InRange(test.Count(i => events[i]), (events.Count(e => e) / 5) - 1, (events.Count(e => e) / 5) + 1);
            }
        }
    }

    [Fact]
    public void Champion_IsScoredOnTheCandidatesFolds_OrItsHoldout()
    {
        var small = SurvivalCohortTable.Generate(600, seed: 8);
        // The champion's spec differs only in its description (another hash), so it is re-run on the candidate's folds:
        // same configuration, same rows, same folds → exactly the candidate's per-fold values (training is deterministic).
        var championSpec = ModelSpecReader.Parse(SurvivalCohortTable.EditedSpec(s => s["description"] = "the champion"));
        Assert.NotEqual(SurvivalCohortTable.Spec.Hash, championSpec.Hash);
        var first = Task.Train(small.Request(championSpec, version: "v1"));
        var second = Task.Train(small.Request(version: "v2"));
        var request = small.Request(version: "v2");
        var score = Task.ScoreChampion(first.Bundle, request, second)!;
        var run = second.CrossValidation!;
        Assert.Equal(run.FoldMetrics.Select(m => m["cIndex"]), score.FoldScores!);
        Assert.Equal(second.Metrics["cIndex"], score.Score, 12);

        // Another configuration (fewer features) is re-run on the same folds and scores differently.
        var weaker = Task.Train(small.Request(ModelSpecReader.Parse(SurvivalCohortTable.EditedSpec(s => s["features"] = new System.Text.Json.Nodes.JsonArray(new System.Text.Json.Nodes.JsonObject { ["name"] = "age" }))), "v0"));
        var weakerScore = Task.ScoreChampion(weaker.Bundle, request, second)!;
        Assert.Equal(15, weakerScore.FoldScores!.Count);
        Assert.True(weakerScore.Score < score.Score, "an age-only Cox model should rank worse than the full one");

        // Holdout: the champion's stored model scores the candidate's holdout rows.
        var large = SurvivalCohortTable.Generate(5500, seed: 9);
        var candidate = Task.Train(large.Request());
        var self = Task.ScoreChampion(candidate.Bundle, large.Request(), candidate)!;
        Assert.Null(self.FoldScores);
        Assert.Equal(candidate.Metrics["cIndex"], self.Score, 12);
        var ibsSpec = SurvivalCohortTable.Spec with { Promotion = new PromotionSpec { Metric = "ibs" } };
        Assert.Equal(candidate.Metrics["ibs"], Task.ScoreChampion(candidate.Bundle, large.Request(ibsSpec), candidate)!.Score, 12);
    }

    [Theory]
    [InlineData("cox")]
    [InlineData("boosted-survival")]
    public void StoredBundle_PredictsWhatTheTrainedModelPredicts(string trainer)
    {
        var data = SurvivalCohortTable.Generate(5200, seed: 11);
        var spec = trainer == "cox" ? SurvivalCohortTable.Spec : Boosted;
        var trained = Task.Train(data.Request(spec));
        using var stream = new MemoryStream(trained.Bundle.ToBytes());
        var loaded = new ModelPredictor(ModelBundle.Load(stream));
        var fitted = FittedSurvivalModel.FromBundle(trained.Bundle);
        var rows = Enumerable.Range(0, 40).ToArray();
        var batch = fitted.Predict(data.Table.Select(rows), spec.Survival!.Horizons);
        for (var k = 0; k < rows.Length; k++)
        {
            var p = loaded.Predict<SurvivalPrediction>(SurvivalCohortTable.Instance(data.Table, rows[k]));
            Assert.Equal("days", p.TimeUnit);
            Assert.Equal(spec.Survival.Horizons, p.Survival.Select(s => s.Time));
            Assert.Equal(batch.Risk[k], p.Risk, tolerance: 1e-6);
            for (var h = 0; h < 3; h++)
            {
                Assert.Equal(batch.Survival[h][k], p.Survival[h].Probability, tolerance: 1e-6);
            }

            // S(t) is a survival function: in [0, 1] and non-increasing in t.
            Assert.All(p.Survival, s => Assert.InRange(s.Probability, 0, 1));
            Assert.True(p.Survival[0].Probability >= p.Survival[1].Probability && p.Survival[1].Probability >= p.Survival[2].Probability);
            Assert.InRange(p.Contributions.Count, 1, 5);
            Assert.All(p.Contributions, c => Assert.Contains(c.Feature, spec.Features.Select(f => f.Name)));
            if (p.MedianTime is { } median)
            {
                var at = loaded.Predict<SurvivalPrediction>(SurvivalCohortTable.Instance(data.Table, rows[k]), new PredictionOptions([median]));
                Assert.True(at.Survival[0].Probability <= 0.5 + 1e-9, "S(median) must be at most 0.5");
            }
        }
    }

    [Fact]
    public void CoxContributions_AreTheCoefficientTimesCenteredValue_SummedPerFeature()
    {
        var data = SurvivalCohortTable.Generate(5200, seed: 12);
        var spec = SurvivalCohortTable.Spec with { Features = [new("age"), new("sex"), new("stage"), new("creatinine"), new("bmi")] };
        var trained = Task.Train(data.Request(spec));
        var predictor = new ModelPredictor(trained.Bundle);
        var cox = (CoxModel)FittedSurvivalModel.FromBundle(trained.Bundle).Model;
        for (var row = 0; row < 20; row++)
        {
            var p = predictor.Predict<SurvivalPrediction>(SurvivalCohortTable.Instance(data.Table, row));

            // Five features, so every non-zero one is listed: together they are the linear predictor (the risk).
            Assert.Equal(p.Risk, p.Contributions.Sum(c => c.Weight), 4);
            var slots = cox.SlotNames.Select((name, j) => (name, j)).Where(s => s.name.StartsWith("age", StringComparison.Ordinal)).Select(s => s.j).ToArray();
            var age = (double)data.Table.Numeric["age"][row];
            var expected = slots.Sum(j => cox.Coefficients[j] * ((float)age - cox.Means[j]));
            Assert.Equal(expected, p.Contributions.SingleOrDefault(c => c.Feature == "age")?.Weight ?? 0, 5);
        }
    }

    [Fact]
    public void Horizons_OfTheRequest_ReplaceTheSpecs_InTheOrderGiven()
    {
        var data = SurvivalCohortTable.Generate(5200, seed: 13);
        var trained = Task.Train(data.Request());
        var predictor = new ModelPredictor(trained.Bundle);
        Assert.True(predictor.TakesHorizons);
        var cox = (CoxModel)FittedSurvivalModel.FromBundle(trained.Bundle).Model;
        var instance = SurvivalCohortTable.Instance(data.Table, 3);
        var p = predictor.Predict<SurvivalPrediction>(instance, new PredictionOptions([1000, 100, 3000]));
        Assert.Equal([1000.0, 100, 3000], p.Survival.Select(s => s.Time));
        Assert.Equal(cox.SurvivalFromLinearPredictor(p.Risk, 100), p.Survival[1].Probability, 5);
        Assert.True(p.Survival[1].Probability > p.Survival[0].Probability);

    }

    [Fact]
    public async Task BinaryModels_TakeNoHorizons()
    {
        var table = await Support.Repo.ReadAsync(await Support.TestEncounters.Generate(1500, 2).ToParquetAsync());
        var spec = Support.Repo.Spec("readmission-risk");
        var trained = ModelTasks.Get(spec.Task).Train(new TrainingRequest(spec, Support.Repo.Encounters, table, "v", "t", DateTimeOffset.UnixEpoch));
        Assert.False(new ModelPredictor(trained.Bundle).TakesHorizons);
    }

    [Fact]
    public void Card_HasTheSurvivalSections_WithGroupsOfAtLeast30Rows_ReadOnlyAtTheGrid()
    {
        var data = SurvivalCohortTable.Generate(5200, seed: 14);
        var trained = Task.Train(data.Request());
        var km = Assert.Single(trained.CardSections.OfType<KaplanMeierSection>());
        Assert.Equal(SurvivalEvaluation.Grid([365, 730, 1825]), km.Times);
        Assert.Contains(182.5, km.Times);
        Assert.All(km.Curves, c => Assert.True(c.Rows >= 30));
        Assert.All(km.Curves, c => Assert.Equal(km.Times, c.Points.Select(p => p.Time)));
        Assert.Equal(["all", "sex", "ageBand", "riskGroup"], km.Curves.Select(c => c.Dimension).Distinct());
        Assert.Equal(["low", "medium", "high"], km.Curves.Where(c => c.Dimension == "riskGroup").Select(c => c.Group));

        // The overall curve is the Kaplan–Meier estimate of every row with an outcome, at the grid's times.
        var all = Assert.Single(km.Curves, c => c.Dimension == "all");
        var direct = KaplanMeier.Fit(data.Table.Numeric["time_days"], [.. data.Table.Numeric["status"].Select(s => s == 2)]);
        Assert.Equal(km.Times.Select(t => direct.At(t).Survival), all.Points.Select(p => p.Survival));
        Assert.Equal(km.Times.Select(t => direct.At(t).NumberAtRisk), all.Points.Select(p => p.NumberAtRisk));

        // Risk tertiles of the holdout separate: the log-rank test says so, and the high-risk curve lies below the low.
        var test = Assert.Single(km.Tests, t => t.Dimension == "riskGroup");
        Assert.True(test.PValue < 1e-6);
        var low = km.Curves.Single(c => c.Group == "low").Points[^1].Survival;
        var high = km.Curves.Single(c => c.Group == "high").Points[^1].Survival;
        Assert.True(high < low);
        Assert.Equal(2, Assert.Single(km.Tests, t => t.Dimension == "sex").Groups.Count);

        var calibration = Assert.Single(trained.CardSections.OfType<SurvivalCalibrationSection>());
        Assert.Equal([365.0, 730, 1825], calibration.Horizons.Select(h => h.Horizon));
        Assert.All(calibration.Horizons, h => Assert.All(h.Groups, g => Assert.True(g.Rows >= 30)));
        Assert.Equal(10, calibration.Horizons[0].Groups.Count);

        // card.json carries the sections with their kinds; card.html renders them; neither holds an identifier.
        var version = new ModelVersion
        {
            Model = "m", Version = "v1", Status = ModelStatus.Candidate, Task = "survival", CreatedAt = DateTimeOffset.UnixEpoch,
            Metrics = trained.Metrics, Decision = "d", Lineage = new Lineage([], 5200, 5200, trained.TrainRows, trained.Holdout.RowCount, "1", "h", "t", "f"),
        };
        var card = ModelCard.From(SurvivalCohortTable.Spec, trained, version);
        using var json = JsonDocument.Parse(card.ToJson());
        Assert.Equal(["survival-outcome", "survival-calibration", "kaplan-meier"],
            json.RootElement.GetProperty("sections").EnumerateArray().Select(s => s.GetProperty("kind").GetString()));
        var html = card.ToHtml();
        Assert.Contains("Log-rank test", html, StringComparison.Ordinal);
        Assert.DoesNotContain(data.Cohort.PatientIds[0], html, StringComparison.Ordinal);
        Assert.DoesNotContain(data.Cohort.PatientIds[0], card.ToJson(), StringComparison.Ordinal);
    }

    [Fact]
    public void GroupMetrics_PerSexAndAgeBand_AreHeldOutCIndices()
    {
        var data = SurvivalCohortTable.Generate(5200, seed: 15);
        var trained = Task.Train(data.Request());
        var women = Assert.Single(trained.GroupMetrics, g => g.Dimension == "sex" && g.Group == "F");
        var holdout = trained.Holdout;
        var rows = Enumerable.Range(0, holdout.RowCount).Where(i => holdout.Categorical["sex"][i] == "F").ToArray();
        var risk = FittedSurvivalModel.FromBundle(trained.Bundle).Predict(holdout.Select(rows), [365]).Risk;
        var c = Concordance.Harrell([.. rows.Select(i => holdout.Numeric["time_days"][i])], [.. rows.Select(i => holdout.Numeric["status"][i] == 2)], risk);
        Assert.Equal(c.Index, women.Metrics["cIndex"], 12);
        Assert.Equal(rows.Length, women.Rows);
        Assert.Contains(trained.GroupMetrics, g => g.Dimension == "ageBand");
        Assert.All(trained.GroupMetrics, g => Assert.True(g.Rows >= 30));
        Assert.Contains(trained.Gaps, g => g.Metric == "cIndex" && g.Dimension == "sex");
    }
}
