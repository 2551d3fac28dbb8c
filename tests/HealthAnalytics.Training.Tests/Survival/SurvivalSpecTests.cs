using System.Text.Json.Nodes;
using HealthAnalytics.Training.Tests.Support;

namespace HealthAnalytics.Training.Tests.Survival;

/// <summary>Survival specs (docs/survival.md, "Model specs"): what is accepted, the task's defaults, and every refusal at
/// its JSON path without quoting the document.</summary>
public sealed class SurvivalSpecTests
{
    private static IReadOnlyList<HealthAnalytics.Contracts.ConfigError> Errors(string json)
    {
        var result = ModelSpecReader.Load(json, d => d == "survival-cohort" ? SurvivalCohortTable.Schema : null);
        Assert.False(result.IsValid);
        return result.Errors;
    }

    [Fact]
    public void CohortSpec_IsValidAgainstItsContract()
    {
        var result = ModelSpecReader.Load(SurvivalCohortTable.SpecJson, d => d == "survival-cohort" ? SurvivalCohortTable.Schema : null);
        Assert.True(result.IsValid, string.Join("; ", result.Errors.Select(e => $"{e.Path}: {e.Message}")));
        Assert.Equal(ModelTask.Survival, result.Spec!.Task);
        Assert.Equal([365.0, 730, 1825], result.Spec.Survival!.Horizons);
    }

    [Fact]
    public void NoTrainerOrPromotion_DefaultsToCoxAndCIndex_WhileBinaryKeepsItsDefaults()
    {
        var spec = ModelSpecReader.Parse(SurvivalCohortTable.EditedSpec(s =>
        {
            s.Remove("trainer");
            s.Remove("promotion");
        }));
        Assert.Equal("cox", spec.Trainer.Name);
        Assert.Equal("cIndex", spec.Promotion.Metric);
        Assert.Empty(ModelSpecReader.Validate(spec, SurvivalCohortTable.Schema));

        // A trainer object without a name still gets the task's default name, keeping its options.
        var named = ModelSpecReader.Parse(SurvivalCohortTable.EditedSpec(s => s["trainer"] = new JsonObject { ["l2Regularization"] = 1 }));
        Assert.Equal(("cox", 1.0), (named.Trainer.Name, named.Trainer.L2Regularization!.Value));

        var withoutTrainer = JsonNode.Parse(File.ReadAllText(Path.Combine(Repo.ConfigDirectory, "models", "readmission-risk.json")))!.AsObject();
        withoutTrainer.Remove("trainer");
        withoutTrainer.Remove("promotion");
        var binaryDefaults = ModelSpecReader.Parse(withoutTrainer.ToJsonString());
        Assert.Equal(("lightgbm", "auc"), (binaryDefaults.Trainer.Name, binaryDefaults.Promotion.Metric));
    }

    public static TheoryData<string, string> Refusals => new()
    {
        { """{"label":"status"}""", "$.label" },
        { """{"survival":null}""", "$.survival" },
        { """{"survival":{"time":"sex","event":{"column":"status","values":[2]},"horizons":[365]}}""", "$.survival.time" },
        { """{"survival":{"time":"patient_id","event":{"column":"status","values":[2]},"horizons":[365]}}""", "$.survival.time" },
        { """{"survival":{"time":"time_days","event":{"column":"status","values":["zz-planted-zz"]},"horizons":[365]}}""", "$.survival.event.values[0]" },
        { """{"survival":{"time":"time_days","event":{"column":"status","values":[2.5]},"horizons":[365]}}""", "$.survival.event.values[0]" },
        { """{"survival":{"time":"time_days","event":{"column":"stage","values":["zz-planted-zz"]},"horizons":[365]}}""", "$.survival.event.values[0]" },
        { """{"survival":{"time":"time_days","event":{"column":"smoker","values":["zz-planted-zz"]},"horizons":[365]}}""", "$.survival.event.values[0]" },
        { """{"survival":{"time":"time_days","event":{"column":"status","values":[2, 7]},"horizons":[365]}}""", "$.survival.event.values[1]" },
        { """{"survival":{"time":"time_days","event":{"column":"status"},"horizons":[365]}}""", "$.survival.event.values" },
        { """{"survival":{"time":"time_days","event":{"column":"patient_id","values":["x"]},"horizons":[365]}}""", "$.survival.event.column" },
        { """{"survival":{"time":"time_days","event":{"column":"status","values":[2]},"horizons":[730,365]}}""", "$.survival.horizons[1]" },
        { """{"survival":{"time":"time_days","event":{"column":"status","values":[2]},"horizons":[0]}}""", "$.survival.horizons[0]" },
        { """{"survival":{"time":"time_days","event":{"column":"status","values":[2]},"horizons":[]}}""", "$.survival.horizons" },
        { """{"survival":{"time":"time_days","timeUnit":"months","event":{"column":"status","values":[2]},"horizons":[12]}}""", "$.survival.timeUnit" },
        { """{"survival":{"time":"sbp","timeUnit":"days","event":{"column":"status","values":[2]},"horizons":[12]}}""", "$.survival.timeUnit" },
        { """{"features":[{"name":"age"},{"name":"time_days"}]}""", "$.features[1].name" },
        { """{"features":[{"name":"status"}]}""", "$.features[0].name" },
        { """{"trainer":{"name":"cox","ties":"exact"}}""", "$.trainer.ties" },
        { """{"trainer":{"name":"lightgbm"}}""", "$.trainer.name" },
        { """{"promotion":{"metric":"auc"}}""", "$.promotion.metric" },
        { """{"trainer":{"name":"boosted-survival","intervals":0}}""", "$.trainer.intervals" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void InvalidSurvivalSpec_IsRefusedAtItsPath_WithoutQuotingTheDocument(string change, string path)
    {
        var json = SurvivalCohortTable.EditedSpec(s =>
        {
            foreach (var (key, value) in JsonNode.Parse(change)!.AsObject())
            {
                s[key] = value?.DeepClone();
            }
        });
        var errors = Errors(json);
        Assert.Contains(errors, e => e.Path == path);
        Assert.DoesNotContain(errors, e => e.Message.Contains("zz-planted-zz", StringComparison.Ordinal));
    }

    [Fact]
    public void EventValues_FollowTheEventColumnsType()
    {
        // A category column takes its categories or their aliases (the contract's normalization), a boolean column
        // defaults to true.
        var category = ModelSpecReader.Load(SurvivalCohortTable.EditedSpec(s =>
        {
            s["survival"]!["event"] = new JsonObject { ["column"] = "stage", ["values"] = new JsonArray("III", "4") };
            s["features"] = new JsonArray(new JsonObject { ["name"] = "age" });
        }), _ => SurvivalCohortTable.Schema);
        Assert.True(category.IsValid, string.Join("; ", category.Errors.Select(e => $"{e.Path}: {e.Message}")));

        var boolean = ModelSpecReader.Load(SurvivalCohortTable.EditedSpec(s =>
        {
            s["survival"]!["event"] = new JsonObject { ["column"] = "smoker" };
            s["features"] = new JsonArray(new JsonObject { ["name"] = "age" });
        }), _ => SurvivalCohortTable.Schema);
        Assert.True(boolean.IsValid, string.Join("; ", boolean.Errors.Select(e => $"{e.Path}: {e.Message}")));
    }
}
