using System.Text.Json;
using HealthAnalytics.Curated;
using HealthAnalytics.Serving;
using HealthAnalytics.Training.Tests.Support;

namespace HealthAnalytics.Training.Tests;

/// <summary>Regression (docs/models.md, "Regression"): trainers, metrics, prediction with contributions, the training run.</summary>
public sealed class RegressionTests
{
    private const string SpecJson = """
        {"name":"hba1c-level","task":"regression","dataset":"encounters","label":"hba1c",
         "features":[{"name":"age"},{"name":"sex"},{"name":"glucose"},{"name":"bmi"}],
         "trainer":{"name":"TRAINER"},"promotion":{"metric":"rmse","maximum":5},"minimumRows":100,"scheduleGroup":"manual"}
        """;

    private static ModelSpec Spec(string trainer) => ModelSpecReader.Parse(SpecJson.Replace("TRAINER", trainer, StringComparison.Ordinal));

    private static async Task<TrainingTable> TableAsync(int rows = 2000) => await Repo.ReadAsync(await TestEncounters.Generate(rows, 77).ToParquetAsync());

    private static Dictionary<string, object?> Instance(TrainingTable table, int row) => new()
    {
        ["age"] = table.Numeric["age"][row],
        ["sex"] = table.Categorical["sex"][row],
        ["glucose"] = double.IsFinite(table.Numeric["glucose"][row]) ? table.Numeric["glucose"][row] : null,
        ["bmi"] = table.Numeric["bmi"][row],
    };

    [Fact]
    public void Metrics_KnownSmallCase_MatchHandComputedValues()
    {
        // Errors 1, -1, 2, 0 → RMSE √(6/4), MAE 1; y mean 2.75, SST 0.5625·2 + 0.0625 + 1.5625 = 2.75 → R² 1 − 6/2.75.
        var m = RegressionTrainer.Metrics([1, 3, 1, 4], [2, 2, 3, 4]);
        Assert.Equal(Math.Sqrt(1.5), m["rmse"], 12);
        Assert.Equal(1.0, m["mae"], 12);
        Assert.Equal(1 - (6.0 / 2.75), m["r2"], 12);
    }

    [Theory]
    [InlineData("lightgbm")]
    [InlineData("fasttree")]
    [InlineData("ridge")]
    public async Task Train_EachTrainer_LearnsTheOutcome_AndReportsRmseMaeR2OverallAndPerGroup(string trainer)
    {
        var table = await TableAsync();
        var model = RegressionTrainer.Train(Spec(trainer), Repo.Encounters, table, "v", null, "test", DateTimeOffset.UnixEpoch);

        Assert.Equal(["mae", "r2", "rmse"], model.Metrics.Keys.Order(StringComparer.Ordinal));
        // HbA1c follows the generator's latent subgroups, which glucose and BMI reveal: a model explains a good share of it.
        Assert.True(model.Metrics["r2"] > 0.3, $"{trainer}: R² {model.Metrics["r2"]:F3}");
        Assert.Equal("cross-validation", model.Evaluation!.Kind);
        Assert.Contains(model.GroupMetrics, g => g.Dimension == "sex" && g.Metrics.ContainsKey("rmse"));
        Assert.Contains(model.GroupMetrics, g => g.Dimension == "ageBand");
        Assert.Equal(table.Numeric["hba1c"].Count(v => !double.IsFinite(v)), model.RowsWithoutOutcome);
        Measurements.Record($"regression {trainer} on 2000 synthetic rows (hba1c): RMSE {model.Metrics["rmse"]:F3}, R² {model.Metrics["r2"]:F3}");
    }

    [Fact]
    public async Task Predict_Ridge_ContributionsAddUpToTheValueMinusTheTrainingMean_AndSurviveAReload()
    {
        var table = await TableAsync();
        var model = RegressionTrainer.Train(Spec("ridge"), Repo.Encounters, table, "v", null, "test", DateTimeOffset.UnixEpoch);
        var reloaded = ModelBundle.Load(new MemoryStream(model.Bundle.ToBytes()));
        Assert.Empty(reloaded.Models); // parameters only
        var predictor = new ModelPredictor(reloaded);
        var trainingMean = table.Numeric["hba1c"].Where(double.IsFinite).Average();

        for (var r = 0; r < 20; r++)
        {
            var prediction = predictor.Predict<RegressionPrediction>(Instance(table, r));
            Assert.Equal(RegressionTrainer.Predict(model.Bundle, table.Select([r]))[0], prediction.Value, 9);
            Assert.InRange(prediction.Contributions.Count, 1, 4); // four features: every non-zero one is listed
            Assert.Equal(prediction.Value - trainingMean, prediction.Contributions.Sum(c => c.Weight), 4);
        }
    }

    [Fact]
    public async Task Predict_LightGbm_GivesTheBatchValueAndTopContributionsByFeature()
    {
        var table = await TableAsync();
        var model = RegressionTrainer.Train(Spec("lightgbm"), Repo.Encounters, table, "v", null, "test", DateTimeOffset.UnixEpoch);
        var predictor = new ModelPredictor(ModelBundle.Load(new MemoryStream(model.Bundle.ToBytes())));
        var batch = RegressionTrainer.Predict(model.Bundle, table.Select([.. Enumerable.Range(0, 50)]));
        var names = new HashSet<string>(["age", "sex", "glucose", "bmi"]);
        Assert.True(predictor.HasContributions);
        for (var r = 0; r < 50; r++)
        {
            var prediction = predictor.Predict<RegressionPrediction>(Instance(table, r));
            Assert.Equal((float)batch[r], (float)prediction.Value);
            Assert.All(prediction.Contributions, c => Assert.Contains(c.Feature, names));
            Assert.Equal(prediction.Contributions.OrderByDescending(c => Math.Abs(c.Weight)).Select(c => c.Feature), prediction.Contributions.Select(c => c.Feature));
        }
    }

    [Theory]
    [InlineData("\"label\":\"hba1c\"", "\"label\":\"sex\"", "$.label")]
    [InlineData("\"label\":\"hba1c\"", "\"label\":{\"column\":\"hba1c\",\"threshold\":7}", "$.label")]
    [InlineData("\"name\":\"ridge\"", "\"name\":\"logistic-regression\"", "$.trainer.name")]
    [InlineData("\"metric\":\"rmse\"", "\"metric\":\"auc\"", "$.promotion.metric")]
    [InlineData("\"name\":\"ridge\"", "\"name\":\"ridge\",\"alpha\":0", "$.trainer.alpha")]
    public void Validate_RegressionSpec_RefusesWhatDoesNotApply(string from, string to, string path)
    {
        var spec = ModelSpecReader.Parse(SpecJson.Replace("TRAINER", "ridge", StringComparison.Ordinal).Replace(from, to, StringComparison.Ordinal));
        Assert.Empty(ModelSpecReader.Validate(Spec("ridge"), Repo.Encounters));
        Assert.Contains(ModelSpecReader.Validate(spec, Repo.Encounters), e => e.Path == path);
    }

    [Fact]
    public void Decide_Rmse_LowerIsBetter()
    {
        var higher = ModelTasks.Get(ModelTask.Regression).PromotionMetrics["rmse"];
        var rule = new PromotionSpec { Metric = "rmse", MaxDropVsChampion = 0.1 };
        Assert.False(higher);
        Assert.False(TrainingService.Decide(rule, higher, 1.5, 1.2, "v0").Passes);
        Assert.True(TrainingService.Decide(rule, higher, 1.25, 1.2, "v0").Passes);
    }

    [Fact]
    public async Task TrainingRun_RegressionSpecInTheConfigContainer_TrainsRegistersWithItsEvaluationAndServes()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var azurite = await AzuriteModels.CreateAsync();
        await azurite.AddUploadAsync("upload-a", await TestEncounters.Generate(1500, 3, "a").ToParquetAsync());
        await azurite.Config.GetBlobClient("models/hba1c-level.json").UploadAsync(BinaryData.FromString(SpecJson.Replace("TRAINER", "ridge", StringComparison.Ordinal)), ct);
        await azurite.Catalog.RefreshAsync(ct);

        var run = await azurite.Training.TrainAsync("hba1c-level", ct);

        Assert.Equal(TrainingRunStatus.Trained, run.Status);
        Assert.True(run.Promoted, run.Reason);
        var stored = (await azurite.Registry.GetAsync("hba1c-level", run.Version!.Version, ct))!;
        Assert.Equal("regression", stored.Task);
        Assert.Equal("cross-validation", stored.Evaluation!.Kind);
        Assert.Equal(run.Version.Metrics["rmse"], stored.Evaluation.Metrics["rmse"].Mean, 12);
        Assert.True(stored.Lineage.RowsWithoutOutcome > 0);

        using var card = JsonDocument.Parse((await azurite.Artifacts.ReadCardAsync("hba1c-level", run.Version.Version, ct))!);
        Assert.Equal("cross-validation", card.RootElement.GetProperty("evaluation").GetProperty("kind").GetString());

        var champion = new ModelPredictor((await azurite.Training.LoadChampionAsync("hba1c-level", ct))!);
        var prediction = champion.Predict<RegressionPrediction>(new Dictionary<string, object?> { ["age"] = 60.0, ["sex"] = "F", ["glucose"] = 180.0, ["bmi"] = 31.0 });
        Assert.InRange(prediction.Value, 3, 20);
    }
}
