using System.Text.Json;
using HealthAnalytics.Serving;
using HealthAnalytics.Training.Tests.Support;

namespace HealthAnalytics.Training.Tests;

public sealed class PredictorTests
{
    private static async Task<(ModelBundle Readmission, ModelBundle Subgroups, Curated.TrainingTable Table)> TrainSmallAsync()
    {
        var table = await Repo.ReadAsync(await TestEncounters.Generate(4000, 21).ToParquetAsync());
        var readmission = BinaryTrainer.Train(Repo.Spec("readmission-risk"), Repo.Encounters, table, "v1", null, "test", DateTimeOffset.UnixEpoch);
        var subgroups = ClusteringTrainer.Train(Repo.Spec("patient-subgroups") with { Clustering = new() { KMin = 3, KMax = 5, Restarts = 1 } }, Repo.Encounters, table, "v1", "test", DateTimeOffset.UnixEpoch);
        return (Reload(readmission.Bundle), Reload(subgroups.Bundle), table);
    }

    private static ModelBundle Reload(ModelBundle bundle) => ModelBundle.Load(new MemoryStream(bundle.ToBytes()));

    [Fact]
    public async Task Predictor_ConcurrentCalls_MatchBatchScoringOfTheSameModel()
    {
        var (readmission, _, table) = await TrainSmallAsync();
        var predictor = new ModelPredictor(readmission);
        var rows = Enumerable.Range(0, 200).ToArray();
        var batch = ModelScorer.Probabilities(readmission, table.Select(rows));
        var instances = rows.Select(r => readmission.Manifest.Featurizer.Features.ToDictionary(
            f => f.Name,
            f => f.Kind == FeatureKind.Categorical ? (object?)table.Categorical[f.Name][r] : double.IsFinite(table.Numeric[f.Name][r]) ? table.Numeric[f.Name][r] : null)).ToArray();

        var single = new float[rows.Length];
        Parallel.For(0, rows.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i => single[i] = (float)predictor.Predict<BinaryPrediction>(instances[i]).Probability);

        Assert.Equal(batch, single);
    }

    [Fact]
    public async Task Predictor_Binary_ReturnsTopFiveContributionsNamedByInputFeature()
    {
        var (readmission, _, _) = await TrainSmallAsync();
        var predictor = new ModelPredictor(readmission);
        var prediction = predictor.Predict<BinaryPrediction>(readmission.Manifest.Input.Example);

        Assert.True(predictor.HasContributions);
        Assert.InRange(prediction.Probability, 0, 1);
        Assert.Equal(prediction.Probability >= 0.5, prediction.Label);
        Assert.InRange(prediction.Contributions.Count, 1, 5);
        var names = readmission.Manifest.Featurizer.Features.Select(f => f.Name).ToHashSet();
        Assert.All(prediction.Contributions, c => Assert.Contains(c.Feature, names));
        Assert.Equal(prediction.Contributions.OrderByDescending(c => Math.Abs(c.Weight)).Select(c => c.Feature), prediction.Contributions.Select(c => c.Feature));
    }

    [Fact]
    public async Task Predictor_UnseenCategoryAndMissingValues_StillPredict()
    {
        var (readmission, _, _) = await TrainSmallAsync();
        var predictor = new ModelPredictor(readmission);
        var prediction = predictor.Predict<BinaryPrediction>(new Dictionary<string, object?> { ["admission_type"] = "never-seen", ["age"] = null });
        Assert.InRange(prediction.Probability, 0, 1);
    }

    [Fact]
    public async Task Predictor_Clustering_ReturnsSubgroupDistanceAndProfile()
    {
        var (_, subgroups, _) = await TrainSmallAsync();
        var predictor = new ModelPredictor(subgroups);
        var prediction = predictor.Predict<ClusterPrediction>(subgroups.Manifest.Input.Example);
        Assert.InRange(prediction.Subgroup, 1, subgroups.Manifest.Subgroups.Count);
        Assert.True(prediction.Distance >= 0);
        Assert.Equal(prediction.Subgroup, prediction.Profile!.Subgroup);
    }

    [Fact]
    public void Convert_WrongTypesAndUnknownFields_GiveFieldErrorsWithoutValues()
    {
        var schema = new InputSchema(
            [new InputFeature("age", "number", "years", null, true), new InputFeature("sex", "category", null, ["F", "M"], true)],
            new Dictionary<string, object?>());
        var errors = new Dictionary<string, string[]>();
        using var doc = JsonDocument.Parse("""{"age":"secret-value","sex":3,"nir":"1850775123456"}""");
        ModelPredictor.Convert(doc.RootElement, schema, "instances[0].", errors);
        Assert.Equal(["instances[0].age", "instances[0].nir", "instances[0].sex"], errors.Keys.Order());
        Assert.DoesNotContain(errors.Values.SelectMany(m => m), m => m.Contains("secret", StringComparison.Ordinal) || m.Contains("1850775123456", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Spec_ShippedSpecs_AreValidAgainstTheEncountersContract()
    {
        foreach (var name in new[] { "readmission-risk", "patient-subgroups" })
        {
            Assert.Empty(ModelSpecReader.Validate(Repo.Spec(name), Repo.Encounters));
        }

        var bad = Repo.Spec("readmission-risk") with { Features = [new("patient_id"), new("nir")], Label = "sex" };
        var errors = ModelSpecReader.Validate(bad, Repo.Encounters);
        Assert.Contains(errors, e => e.Path == "$.features[0].name");
        Assert.Contains(errors, e => e.Path == "$.features[1].name");
        Assert.Contains(errors, e => e.Path == "$.label");
        await Task.CompletedTask;
    }
}
