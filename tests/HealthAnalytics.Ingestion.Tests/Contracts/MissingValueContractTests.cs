using System.Text.Json.Nodes;
using HealthAnalytics.Contracts;

namespace HealthAnalytics.Ingestion.Tests.Contracts;

/// <summary>The missing-value members of a contract (docs/contracts.md, "Missing values"): how they load, what is refused, and which tokens each column ends up with.</summary>
public sealed class MissingValueContractTests
{
    /// <summary>A lab table: an id, a lab value where 0 means "not measured", a category, a free-text code.</summary>
    private static JsonObject Lab() => new()
    {
        ["name"] = "lab",
        ["version"] = "1.0.0",
        ["dialect"] = new JsonObject { ["missingValues"] = new JsonArray("NA", "?", ".", "NULL", "n/a", "") },
        ["columns"] = new JsonArray(
            new JsonObject { ["name"] = "sample_id", ["type"] = "string", ["required"] = true, ["privacy"] = "identifier" },
            new JsonObject { ["name"] = "insulin", ["type"] = "number", ["missingWhen"] = new JsonArray(0), ["onInvalid"] = "set-missing", ["range"] = new JsonObject { ["min"] = 1, ["max"] = 900 } },
            new JsonObject { ["name"] = "visits", ["type"] = "integer", ["missingWhen"] = new JsonArray(-9, 999) },
            new JsonObject { ["name"] = "region", ["type"] = "category", ["categories"] = new JsonObject { ["NA"] = new JsonArray("north america"), ["EU"] = new JsonArray() } },
            new JsonObject { ["name"] = "code", ["type"] = "string", ["missingValues"] = new JsonArray("unknown") }),
    };

    private static ContractLoadResult Load(Action<JsonObject>? change = null)
    {
        var contract = Lab();
        change?.Invoke(contract);
        return ContractLoader.Load(contract.ToJsonString());
    }

    private static JsonObject Column(JsonObject contract, int i) => contract["columns"]![i]!.AsObject();

    [Fact]
    public void Load_ContractWithEveryMissingValueMember_IsValidAndKeepsThem()
    {
        var result = Load();
        Assert.Empty(result.Errors);
        var c = result.Contract!;
        Assert.Equal(["NA", "?", ".", "NULL", "n/a", ""], c.Dialect.MissingValues);
        Assert.Equal([0.0], c.Columns[1].MissingWhen);
        Assert.Equal(InvalidCellAction.SetMissing, c.Columns[1].OnInvalid);
        Assert.Equal(InvalidCellAction.QuarantineRow, c.Columns[2].OnInvalid);
        Assert.Equal(["unknown"], c.Columns[4].MissingValues);
    }

    [Fact]
    public void Load_UnknownOnInvalidAction_ReportsPath()
    {
        var result = Load(c => Column(c, 1)["onInvalid"] = "drop-row");
        Assert.Equal("$.columns[1].onInvalid", Assert.Single(result.Errors).Path);
    }

    [Theory]
    [InlineData(" NA", "$.dialect.missingValues[0]")]
    [InlineData("NA ", "$.dialect.missingValues[0]")]
    [InlineData("N\tA", "$.dialect.missingValues[0]")]
    [InlineData("a-token-longer-than-thirty-two-chars", "$.dialect.missingValues[0]")]
    public void Load_TokenThatCanNeverMatchATrimmedCell_IsRefused(string token, string path)
    {
        var result = Load(c => c["dialect"]!["missingValues"]![0] = token);
        Assert.Null(result.Contract);
        var error = Assert.Single(result.Errors);
        Assert.Equal(path, error.Path);
        Assert.DoesNotContain(token.Trim(), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ColumnTokenThatIsOneOfItsCategories_IsRefused()
    {
        var result = Load(c => Column(c, 3)["missingValues"] = new JsonArray("?", "North America"));
        var error = Assert.Single(result.Errors);
        Assert.Equal("$.columns[3].missingValues[1]", error.Path);
    }

    [Fact]
    public void Load_MissingWhenOnAStringColumn_IsRefused()
    {
        var result = Load(c => Column(c, 4)["missingWhen"] = new JsonArray(0));
        Assert.Equal("$.columns[4].missingWhen", Assert.Single(result.Errors).Path);
    }

    [Fact]
    public void Load_FractionalMissingWhenOnAnIntegerColumn_IsRefused()
    {
        var result = Load(c => Column(c, 2)["missingWhen"] = new JsonArray(-9, 0.5));
        Assert.Equal("$.columns[2].missingWhen[1]", Assert.Single(result.Errors).Path);
    }

    [Fact]
    public void Load_SetMissingOnARequiredColumn_IsRefused()
    {
        var result = Load(c => Column(c, 0)["onInvalid"] = "set-missing");
        Assert.Equal("$.columns[0].onInvalid", Assert.Single(result.Errors).Path);
    }

    [Fact]
    public void Load_MissingValueMembersOnADirectIdentifier_AreRefused()
    {
        var result = Load(c =>
        {
            var code = Column(c, 4);
            code["privacy"] = "direct";
            code["onInvalid"] = "set-missing";
        });
        Assert.Equal(["$.columns[4].missingValues", "$.columns[4].onInvalid"], result.Errors.Select(e => e.Path).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void TokensFor_ContractThatSaysNothing_DefaultsOnTypedColumnsAndIdentifiers_ButNotOnOtherStrings()
    {
        var dialect = new DialectSpec();
        var number = new ColumnSpec { Name = "x", Type = ColumnType.Number };
        var text = new ColumnSpec { Name = "s", Type = ColumnType.String };
        Assert.Equal(MissingValueRules.DefaultTokens, MissingValueRules.TokensFor(number, dialect));
        Assert.Contains("NA", MissingValueRules.TokensFor(number, dialect));
        Assert.Contains("?", MissingValueRules.TokensFor(number, dialect));
        Assert.Empty(MissingValueRules.TokensFor(text, dialect));

        // An identifier is a string too, but an NA there would link every such row under one pseudonym.
        Assert.Equal(MissingValueRules.DefaultTokens, MissingValueRules.TokensFor(text with { Privacy = PrivacyRole.Identifier }, dialect));
    }

    [Fact]
    public void TokensFor_DeclaredDialectList_AppliesToStringsToo_AndAColumnListReplacesIt()
    {
        var contract = Load().Contract!;
        Assert.Equal(["NA", "?", ".", "NULL", "n/a"], MissingValueRules.TokensFor(contract.Columns[0], contract.Dialect));
        Assert.Equal(["unknown"], MissingValueRules.TokensFor(contract.Columns[4], contract.Dialect));
        var none = contract.Columns[1] with { MissingValues = [] };
        Assert.Empty(MissingValueRules.TokensFor(none, contract.Dialect));
    }

    [Fact]
    public void TokensFor_CategoryColumn_KeepsItsOwnCategoriesAsValues()
    {
        var contract = Load().Contract!;
        var region = MissingValueRules.TokensFor(contract.Columns[3], contract.Dialect);
        Assert.DoesNotContain("NA", region);
        Assert.Contains("?", region);
    }
}
