using System.Text.Json.Nodes;
using HealthAnalytics.Contracts;

namespace HealthAnalytics.Ingestion.Tests.Hostile;

/// <summary>The privacy floor at contract load (issue #13 item 5), key scopes (item 7), and errors that name JSON paths
/// without quoting the document.</summary>
public sealed class ContractPrivacyFloorTests
{
    private static JsonObject Shipped()
    {
        var dir = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(dir, "config", "contracts", "encounters.json")))
        {
            dir = Path.GetDirectoryName(dir) ?? throw new InvalidOperationException("repository root not found");
        }

        return JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "config", "contracts", "encounters.json")))!.AsObject();
    }

    private static JsonObject Column(JsonObject contract, int index) => contract["columns"]![index]!.AsObject();

    private static JsonObject Small(params JsonObject[] columns) => new()
    {
        ["name"] = "small",
        ["version"] = "1",
        ["columns"] = new JsonArray([new JsonObject { ["name"] = "id", ["type"] = "string", ["required"] = true, ["privacy"] = "identifier" }, .. columns]),
    };

    [Fact]
    public void Shipped_PassesTheFloor_WithPartnerScopedKeys()
    {
        var result = ContractLoader.Load(Shipped().ToJsonString());

        Assert.Empty(result.Errors);
        Assert.Equal(KeyScope.Partner, result.Contract!.KeyScope);
    }

    [Theory]
    [InlineData(1, "none")]
    [InlineData(2, "none")]
    [InlineData(3, "sensitive")]
    [InlineData(4, "none")]
    [InlineData(5, "sensitive")]
    [InlineData(6, "none")]
    [InlineData(7, "none")]
    [InlineData(8, "none")]
    public void IdentifyingColumn_MadeNoneOrSensitive_IsRefusedAtItsPrivacyPath(int index, string privacy)
    {
        var contract = Shipped();
        Column(contract, index)["privacy"] = privacy;
        Column(contract, index).Remove("generalize");

        var result = ContractLoader.Load(contract.ToJsonString());

        Assert.Null(result.Contract);
        Assert.Equal($"$.columns[{index}].privacy", Assert.Single(result.Errors).Path);
    }

    [Fact]
    public void InnocentName_WithAnIdentifyingAlias_IsRefused()
    {
        var result = ContractLoader.Load(Small(new JsonObject { ["name"] = "contact", ["aliases"] = new JsonArray("courriel"), ["type"] = "string" }).ToJsonString());

        Assert.Equal("$.columns[1].privacy", Assert.Single(result.Errors).Path);
    }

    [Fact]
    public void DateColumn_KeptWhole_IsRefused_UnlessGeneralizedOrWaived()
    {
        JsonObject Date(string privacy) => new() { ["name"] = "lab_date", ["type"] = "date", ["privacy"] = privacy };

        Assert.Equal("$.columns[1].privacy", Assert.Single(ContractLoader.Load(Small(Date("sensitive")).ToJsonString()).Errors).Path);
        var year = Date("quasi");
        year["generalize"] = new JsonObject { ["kind"] = "year" };
        Assert.Empty(ContractLoader.Load(Small(year).ToJsonString()).Errors);
        var waived = Date("sensitive");
        waived["privacyWaiver"] = new JsonObject { ["reason"] = "lab timing study", ["approvedBy"] = "DPO" };
        Assert.Empty(ContractLoader.Load(Small(waived).ToJsonString()).Errors);
    }

    [Fact]
    public void Waiver_IsAccepted_AndMustBeComplete_AndOnlyOnNoneOrSensitive()
    {
        var contract = Shipped();
        Column(contract, 4)["privacy"] = "sensitive";
        Column(contract, 4)["privacyWaiver"] = new JsonObject { ["reason"] = "contact study", ["approvedBy"] = "DPO" };
        var loaded = ContractLoader.Load(contract.ToJsonString());
        Assert.Empty(loaded.Errors);
        Assert.Equal("DPO", loaded.Contract!.Columns[4].PrivacyWaiver!.ApprovedBy);

        Column(contract, 4)["privacyWaiver"] = new JsonObject { ["reason"] = " ", ["approvedBy"] = "DPO" };
        Assert.Equal("$.columns[4].privacyWaiver.reason", Assert.Single(ContractLoader.Load(contract.ToJsonString()).Errors).Path);

        Column(contract, 4)["privacyWaiver"] = new JsonObject { ["reason"] = "x" };
        Assert.NotEmpty(ContractLoader.Load(contract.ToJsonString()).Errors);

        var onIdentifier = Shipped();
        Column(onIdentifier, 1)["privacyWaiver"] = new JsonObject { ["reason"] = "x", ["approvedBy"] = "y" };
        Assert.Equal("$.columns[1].privacyWaiver", Assert.Single(ContractLoader.Load(onIdentifier.ToJsonString()).Errors).Path);
    }

    [Theory]
    [InlineData("dataset", KeyScope.Dataset)]
    [InlineData("partner", KeyScope.Partner)]
    public void KeyScope_IsRead(string text, KeyScope expected)
    {
        var contract = Shipped();
        contract["keyScope"] = text;

        Assert.Equal(expected, ContractLoader.Load(contract.ToJsonString()).Contract!.KeyScope);
    }

    [Fact]
    public void Errors_NamePaths_NeverQuoteTheDocument()
    {
        const string secret = "Zebulon";
        var contract = Small(
            new JsonObject { ["name"] = secret + "_a", ["aliases"] = new JsonArray(secret + " b"), ["type"] = "category", ["categories"] = new JsonObject { [secret + "1"] = new JsonArray(secret + "x"), [secret + "2"] = new JsonArray(secret + "X") } },
            new JsonObject { ["name"] = secret + "_c", ["aliases"] = new JsonArray(secret + "_b"), ["type"] = "number", ["units"] = new JsonObject { [secret + "u"] = new JsonObject { ["factor"] = 0 } }, ["headerUnits"] = new JsonObject { [secret + "h"] = secret + "v" }, ["range"] = new JsonObject { ["min"] = 123456, ["max"] = 1 } },
            new JsonObject { ["name"] = secret + "_a", ["type"] = "string" });
        contract["primaryKey"] = new JsonArray(secret + "_missing", secret + "_c");
        contract["derived"] = new JsonArray(new JsonObject { ["name"] = secret + "_a", ["function"] = "days-between", ["from"] = new JsonArray(secret + "_x", secret + "_c") });

        var semantic = ContractLoader.Load(contract.ToJsonString());
        Assert.True(semantic.Errors.Count >= 8, string.Join("\n", semantic.Errors));

        var unknownMember = Small(new JsonObject { ["name"] = "x", ["type"] = "string", [secret + "_member"] = 1 });
        var shape = ContractLoader.Load(unknownMember.ToJsonString());
        var badEnum = Small(new JsonObject { ["name"] = "x", ["type"] = secret });
        var enumShape = ContractLoader.Load(badEnum.ToJsonString());

        foreach (var error in semantic.Errors.Concat(shape.Errors).Concat(enumShape.Errors))
        {
            Assert.DoesNotContain(secret, error.Path, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("123456", error.Message, StringComparison.Ordinal);
        }

        Assert.Equal("$.columns[1].*", Assert.Single(shape.Errors).Path);
        Assert.Equal("$.columns[1].type", Assert.Single(enumShape.Errors).Path);
    }
}
