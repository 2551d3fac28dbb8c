using System.Text.Json;
using System.Text.Json.Nodes;
using HealthAnalytics.Api;
using HealthAnalytics.Serving;
using HealthAnalytics.Training;

namespace HealthAnalytics.Integration.Tests.Serving;

/// <summary>Predictions are a polymorphic list over the registered model tasks, in the API's JSON and its OpenAPI document.</summary>
public sealed class PredictionSchemaTests
{
    [Fact]
    public void OpenApi_PredictionsItems_ListOneSchemaPerRegisteredTask_WithTheTaskAsDiscriminator()
    {
        var document = OpenApiDocument.Build();
        var response = document["components"]!["schemas"]!["PredictResponse"]!;
        var items = response["properties"]!["predictions"]!["items"]!.AsObject();
        var variants = (items["anyOf"] ?? items["oneOf"])?.AsArray();
        Assert.True(variants is not null, items.ToJsonString());

        var tasks = variants!.Select(v => v!["properties"]?["task"]?["const"]?.GetValue<string>()).ToList();
        Assert.Equal(ModelTasks.All.Select(t => t.Task.Name()).Order(StringComparer.Ordinal), tasks.Order(StringComparer.Ordinal));
        var binary = variants!.Single(v => v!["properties"]!["task"]!["const"]!.GetValue<string>() == "binary-classification")!;
        Assert.NotNull(binary["properties"]!["probability"]);
        Assert.NotNull(binary["properties"]!["contributions"]);

        // A type shared by two tasks' records (the contributions) is described in both, not by a pointer that only
        // resolves inside the exporter's own document.
        var regression = variants!.Single(v => v!["properties"]!["task"]!["const"]!.GetValue<string>() == "regression")!;
        Assert.NotNull(regression["properties"]!["value"]);
        Assert.NotNull(regression["properties"]!["contributions"]!["items"]!["properties"]!["feature"]);
        Assert.NotNull(binary["properties"]!["contributions"]!["items"]!["properties"]!["weight"]);
    }

    [Fact]
    public void ApiJson_APrediction_IsWrittenWithItsTaskAndItsOwnFields()
    {
        IReadOnlyList<Prediction> predictions =
        [
            new BinaryPrediction(0.25, false, [new FeatureContribution("age", 0.5)]),
            new ClusterPrediction(2, 1.5, null),
        ];
        var json = JsonNode.Parse(JsonSerializer.Serialize(predictions, ApiJson.Options))!.AsArray();

        Assert.Equal("binary-classification", json[0]!["task"]!.GetValue<string>());
        Assert.Equal(0.25, json[0]!["probability"]!.GetValue<double>());
        Assert.Equal("age", json[0]!["contributions"]![0]!["feature"]!.GetValue<string>());
        Assert.Equal("clustering", json[1]!["task"]!.GetValue<string>());
        Assert.Equal(2, json[1]!["subgroup"]!.GetValue<int>());
    }
}
