using System.Text.Json.Nodes;
using HealthAnalytics.Contracts;

namespace HealthAnalytics.Ingestion.Tests.Contracts;

public class ContractTests
{
    private static string ShippedJson()
    {
        var dir = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(dir, "config", "contracts", "encounters.json")))
        {
            dir = Path.GetDirectoryName(dir) ?? throw new InvalidOperationException("repository root not found above the test binaries");
        }

        return File.ReadAllText(Path.Combine(dir, "config", "contracts", "encounters.json"));
    }

    private static string Mutate(Action<JsonObject> change)
    {
        var node = JsonNode.Parse(ShippedJson())!.AsObject();
        change(node);
        return node.ToJsonString();
    }

    [Fact]
    public void Load_ShippedEncounters_IsValid()
    {
        var result = ContractLoader.Load(ShippedJson());
        Assert.Empty(result.Errors);
        Assert.Equal(24, result.Contract!.Columns.Count);
        Assert.Equal(2, result.Contract.Derived.Count);
    }

    [Fact]
    public void Load_UnknownType_ReportsPath()
    {
        var result = ContractLoader.Load(Mutate(o => o["columns"]![3]!["type"] = "money"));
        Assert.Null(result.Contract);
        Assert.Equal("$.columns[3].type", Assert.Single(result.Errors).Path);
    }

    [Fact]
    public void Load_DerivedFromMissingColumn_ReportsPath()
    {
        var result = ContractLoader.Load(Mutate(o => o["derived"]![0]!["from"]![1] = "admision_date"));
        var error = Assert.Single(result.Errors);
        Assert.Equal("$.derived[0].from[1]", error.Path);
        Assert.Equal("names no column", error.Message);
        Assert.DoesNotContain("admision_date", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_PrimaryKeyColumnMissing_ReportsPath()
    {
        var result = ContractLoader.Load(Mutate(o => o["primaryKey"] = new JsonArray("stay")));
        Assert.Equal("$.primaryKey[0]", Assert.Single(result.Errors).Path);
    }

    [Fact]
    public void Load_RangeMinAboveMax_ReportsPath()
    {
        var result = ContractLoader.Load(Mutate(o => o["columns"]![15]!["range"] = new JsonObject { ["min"] = 10, ["max"] = 1 }));
        Assert.Equal("$.columns[15].range", Assert.Single(result.Errors).Path);
    }

    [Fact]
    public void Load_GeneralizeOnNonQuasi_ReportsPath()
    {
        var result = ContractLoader.Load(Mutate(o => o["columns"]![14]!["generalize"] = new JsonObject { ["kind"] = "drop" }));
        Assert.Contains(result.Errors, e => e.Path == "$.columns[14].generalize");
    }

    [Fact]
    public void Load_SeveralProblems_AreAllReported()
    {
        var result = ContractLoader.Load(Mutate(o =>
        {
            o["name"] = "Bad Name";
            o["dialect"]!["dateFormats"] = new JsonArray("yyyy-MM");
            o["columns"]![6]!["privacy"] = "quasi";
        }));
        Assert.Equal(["$.columns[6].generalize", "$.dialect.dateFormats[0]", "$.name"], result.Errors.Select(e => e.Path).Order(StringComparer.Ordinal));
    }
}
