using System.IO.Compression;
using System.Text;
using System.Text.Json;
using HealthAnalytics.Curated;
using HealthAnalytics.Serving;
using HealthAnalytics.Training.Tests.Support;

namespace HealthAnalytics.Training.Tests;

/// <summary>The model-task seam (docs/models.md, "Adding a task"): registry, bundles of named models, card sections.</summary>
public sealed class ModelTaskSeamTests
{
    private static async Task<(TrainedModel Model, TrainingTable Table)> TrainSmallAsync()
    {
        var table = await Repo.ReadAsync(await TestEncounters.Generate(3000, 5).ToParquetAsync());
        var spec = Repo.Spec("readmission-risk");
        var model = ModelTasks.Get(spec.Task).Train(new TrainingRequest(spec, Repo.Encounters, table, "v1", "test", DateTimeOffset.UnixEpoch));
        return (model, table);
    }

    private static Dictionary<string, object?> Instance(ModelBundle bundle, TrainingTable table, int row) =>
        bundle.Manifest.Featurizer.Features.ToDictionary(
            f => f.Name,
            f => f.Kind == FeatureKind.Categorical ? (object?)table.Categorical[f.Name][row] : double.IsFinite(table.Numeric[f.Name][row]) ? table.Numeric[f.Name][row] : null);

    [Fact]
    public void Registry_HasOneImplementationPerTask_AndEachPredictionTypeIsAPrediction()
    {
        Assert.Equal(ModelTasks.All.Count, ModelTasks.All.Select(t => t.Task).Distinct().Count());
        foreach (var task in ModelTasks.All)
        {
            Assert.Same(task, ModelTasks.Get(task.Task));
            Assert.True(task.PredictionType.IsSubclassOf(typeof(Prediction)), task.Task.Name());
            Assert.NotEmpty(task.Trainers);
            Assert.NotEmpty(task.PromotionMetrics);
        }
    }

    [Fact]
    public void Validate_TrainerAndMetricOfAnotherTask_AreRefusedAtTheirPaths()
    {
        var binary = Repo.Spec("readmission-risk") with { Trainer = new() { Name = "kmeans" }, Promotion = new() { Metric = "silhouette" } };
        var errors = ModelSpecReader.Validate(binary, Repo.Encounters);
        Assert.Contains(errors, e => e.Path == "$.trainer.name");
        Assert.Contains(errors, e => e.Path == "$.promotion.metric");

        var clustering = Repo.Spec("patient-subgroups") with { Trainer = new() { Name = "lightgbm" }, Promotion = new() { Metric = "auc" } };
        errors = ModelSpecReader.Validate(clustering, Repo.Encounters);
        Assert.Contains(errors, e => e.Path == "$.trainer.name");
        Assert.Contains(errors, e => e.Path == "$.promotion.metric");
    }

    [Fact]
    public async Task Bundle_WrittenBeforeNamedModels_WithOneMlnetZip_LoadsAndPredictsTheSame()
    {
        var (model, table) = await TrainSmallAsync();
        var bytes = model.Bundle.ToBytes();
        var legacy = Rewrite(bytes, name => name == "mlnet/main.zip" ? "mlnet.zip" : name);
        Assert.Contains("mlnet.zip", EntryNames(legacy));
        Assert.DoesNotContain("mlnet/main.zip", EntryNames(legacy));

        var current = new ModelPredictor(ModelBundle.Load(new MemoryStream(bytes)));
        var old = new ModelPredictor(ModelBundle.Load(new MemoryStream(legacy)));
        Assert.Equal([ModelBundle.MainModel], old.Bundle.Models.Keys);
        for (var r = 0; r < 50; r++)
        {
            var instance = Instance(model.Bundle, table, r);
            Assert.Equal(current.Predict<BinaryPrediction>(instance).Probability, old.Predict<BinaryPrediction>(instance).Probability);
        }
    }

    [Fact]
    public async Task Bundle_SeveralNamedModelsAndParameters_RoundTrip()
    {
        var (model, table) = await TrainSmallAsync();
        var probe = table.Select([.. Enumerable.Range(0, 300)]);
        var main = model.Bundle.Models[ModelBundle.MainModel];
        var parameters = new TestParameters([0.25, -1.5], "efron");
        var bundle = new ModelBundle(
            model.Bundle.Manifest.WithParameters(parameters),
            model.Bundle.Ml,
            new Dictionary<string, BundledModel>(StringComparer.Ordinal) { ["outcome"] = main, ["propensity"] = main });

        var bytes = bundle.ToBytes();
        Assert.Equal(["manifest.json", "mlnet/outcome.zip", "mlnet/propensity.zip"], EntryNames(bytes).Order(StringComparer.Ordinal));
        var loaded = ModelBundle.Load(new MemoryStream(bytes));
        Assert.Equal(["outcome", "propensity"], loaded.Models.Keys.Order(StringComparer.Ordinal));
        var read = loaded.Manifest.ParametersAs<TestParameters>()!;
        Assert.Equal(parameters.Coefficients, read.Coefficients);
        Assert.Equal(parameters.Ties, read.Ties);

        // Each named model is the same fitted transformer: it scores rows as the original does.
        var expected = ModelScorer.Probabilities(model.Bundle, probe);
        foreach (var name in loaded.Models.Keys)
        {
            var single = new ModelBundle(loaded.Manifest, loaded.Ml, new Dictionary<string, BundledModel> { [ModelBundle.MainModel] = loaded.Models[name] });
            Assert.Equal(expected, ModelScorer.Probabilities(single, probe));
        }

        // A task whose model is parameters only stores no ML.NET model at all.
        var parametersOnly = new ModelBundle(bundle.Manifest, bundle.Ml, new Dictionary<string, BundledModel>());
        var reloaded = ModelBundle.Load(new MemoryStream(parametersOnly.ToBytes()));
        Assert.Empty(reloaded.Models);
        Assert.Equal(parameters.Coefficients, reloaded.Manifest.ParametersAs<TestParameters>()!.Coefficients);
        Assert.Throws<InvalidDataException>(() => reloaded.Transformer);
    }

    [Fact]
    public void Bundle_ModelNameOutsideTheRule_IsRefused()
    {
        var ml = new Microsoft.ML.MLContext(1);
        var manifest = new ModelManifest { Model = "m", Version = "v", Task = ModelTask.BinaryClassification, Trainer = "t", Featurizer = new Featurizer { Features = [] } };
        Assert.Throws<ArgumentException>(() => new ModelBundle(manifest, ml, new Dictionary<string, BundledModel> { ["../evil"] = null! }));
    }

    [Fact]
    public async Task Card_TaskSections_AreSerializedWithTheirKindAndRenderedEncoded()
    {
        var (model, _) = await TrainSmallAsync();
        var spec = Repo.Spec("readmission-risk");
        var withSection = new TrainedModel
        {
            Bundle = model.Bundle,
            Metrics = model.Metrics,
            Holdout = model.Holdout,
            TrainRows = model.TrainRows,
            TrainSeconds = model.TrainSeconds,
            CardSections = [new TestSection("<script>x</script>", [0.5, 0.75])],
        };
        var version = new ModelVersion
        {
            Model = spec.Name, Version = "v1", Status = ModelStatus.Candidate, Task = spec.Task.Name(), CreatedAt = DateTimeOffset.UnixEpoch,
            Metrics = model.Metrics, Lineage = new Lineage([], 10, 10, 8, 2, "1", "h", "c", "f"),
        };
        var card = ModelCard.From(spec, withSection, version);

        using var json = JsonDocument.Parse(card.ToJson());
        var section = Assert.Single(json.RootElement.GetProperty("sections").EnumerateArray());
        Assert.Equal("test-values", section.GetProperty("kind").GetString());
        Assert.Equal([0.5, 0.75], section.GetProperty("values").EnumerateArray().Select(v => v.GetDouble()));

        var html = card.ToHtml();
        Assert.Contains("<h2>&lt;script&gt;x&lt;/script&gt;</h2>", html, StringComparison.Ordinal);
        Assert.Contains("<td>0.75</td>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal);
    }

    private static List<string> EntryNames(byte[] zip)
    {
        using var archive = new ZipArchive(new MemoryStream(zip), ZipArchiveMode.Read);
        return [.. archive.Entries.Select(e => e.FullName)];
    }

    private static byte[] Rewrite(byte[] zip, Func<string, string> rename)
    {
        using var input = new ZipArchive(new MemoryStream(zip), ZipArchiveMode.Read);
        using var output = new MemoryStream();
        using (var archive = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var entry in input.Entries)
            {
                using var from = entry.Open();
                using var to = archive.CreateEntry(rename(entry.FullName)).Open();
                from.CopyTo(to);
            }
        }

        return output.ToArray();
    }

    private sealed record TestParameters(IReadOnlyList<double> Coefficients, string Ties);

    private sealed record TestSection(string Heading, IReadOnlyList<double> Values) : CardSection
    {
        public override string Kind => "test-values";

        public override string Title => Heading;

        public override void WriteHtml(StringBuilder html) =>
            CardHtml.Table(html, ["value"], Values.Select(v => new[] { CardHtml.N(v) }));
    }
}
