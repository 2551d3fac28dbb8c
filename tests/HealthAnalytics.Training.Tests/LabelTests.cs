using System.Text.Json;
using HealthAnalytics.Contracts;
using HealthAnalytics.Curated;
using HealthAnalytics.Training.Tests.Support;

namespace HealthAnalytics.Training.Tests;

/// <summary>Labels as users have them (docs/models.md, "Labels"): a boolean column, listed positive values, a threshold.</summary>
public sealed class LabelTests
{
    private static ModelSpec Binary(string labelJson) => ModelSpecReader.Parse($$"""
        {"name":"m","task":"binary-classification","dataset":"encounters","label":{{labelJson}},
         "features":[{"name":"age"},{"name":"prior_admissions"}],"minimumRows":10}
        """);

    private static List<ConfigError> Errors(ModelSpec spec) => [.. ModelSpecReader.Validate(spec, Repo.Encounters)];

    [Fact]
    public void Json_ColumnNameAndObjectForms_ReadAndTheNameFormKeepsItsHash()
    {
        var name = Binary("\"readmitted_30d\"");
        var sameAsObject = Binary("""{"column":"readmitted_30d"}""");
        Assert.Equal("readmitted_30d", name.Label!.Column);
        Assert.True(name.Label.IsColumnOnly);
        Assert.Equal(name.Hash, sameAsObject.Hash); // written back in the name form either way
        Assert.Contains("\"label\":\"readmitted_30d\"", JsonSerializer.Serialize(name, ModelSpecReader.Json), StringComparison.Ordinal);

        var positive = Binary("""{"column":"sex","positive":["female", 2]}""");
        Assert.Equal(["female", "2"], positive.Label!.Positive!.Select(p => p.ToString()));
        var threshold = Binary("""{"column":"hba1c","threshold":6.5,"operator":">"}""");
        Assert.Equal(6.5, threshold.Label!.Threshold);
        Assert.Equal(">", threshold.Label.Operator);
    }

    [Fact]
    public void Json_UnknownMemberInALabel_IsRefusedAtTheLabelWithoutQuotingIt()
    {
        var result = ModelSpecReader.Deserialize("""
            {"name":"m","task":"binary-classification","dataset":"encounters","label":{"column":"sex","positve":["secret-token"]},"features":[{"name":"age"}]}
            """);
        var error = Assert.Single(result.Errors);
        Assert.StartsWith("$.label", error.Path, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-token", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("positve", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ValidForms_HaveNoError()
    {
        Assert.Empty(Errors(Binary("\"readmitted_30d\"")));
        Assert.Empty(Errors(Binary("""{"column":"sex","positive":["female"]}""")));
        Assert.Empty(Errors(Binary("""{"column":"admission_type","positive":["ER","elective"]}""")));
        Assert.Empty(Errors(Binary("""{"column":"hba1c","threshold":6.5}""")));
        Assert.Empty(Errors(Binary("""{"column":"prior_admissions","positive":[0]}""") with { Features = [new("age")] }));
    }

    [Theory]
    [InlineData("\"no_such_column\"", "$.label")]
    [InlineData("""{"column":"no_such_column","positive":["x"]}""", "$.label.column")]
    [InlineData("""{"column":"encounter_id","positive":["x"]}""", "$.label.column")]
    [InlineData("""{"column":"nir","positive":["x"]}""", "$.label.column")]
    [InlineData("\"sex\"", "$.label")]
    [InlineData("""{"column":"sex","positive":["not-a-sex"]}""", "$.label.positive[0]")]
    [InlineData("""{"column":"sex","positive":[]}""", "$.label.positive")]
    [InlineData("""{"column":"sex","threshold":1}""", "$.label.column")]
    [InlineData("""{"column":"hba1c","threshold":6.5,"operator":"=="}""", "$.label.operator")]
    [InlineData("""{"column":"hba1c","positive":[7],"threshold":6.5}""", "$.label")]
    [InlineData("""{"column":"hba1c","positive":["not-a-number"]}""", "$.label.positive[0]")]
    [InlineData("""{"column":"prior_admissions","threshold":2}""", "$.features")]
    public void Validate_InvalidLabel_IsReportedAtItsPath(string label, string path)
    {
        var errors = Errors(Binary(label));
        Assert.Contains(errors, e => e.Path == path);
        Assert.All(errors, e => Assert.DoesNotContain("not-a-", e.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void Binary_PositiveValues_AreComparedAfterTheContractsNormalization()
    {
        var table = new TrainingTable(4, new Dictionary<string, double[]>(), new Dictionary<string, string?[]> { ["sex"] = ["F", "M", null, "U"] });
        var label = Binary("""{"column":"sex","positive":["Female"," woman "]}""").Label!; // aliases of F, case and spaces folded
        Assert.Equal(new bool?[] { true, false, null, false }, Outcomes.Binary(label, Repo.Encounters, table));
    }

    [Theory]
    [InlineData(">=", new[] { false, true, true })]
    [InlineData(">", new[] { false, false, true })]
    [InlineData("<=", new[] { true, true, false })]
    [InlineData("<", new[] { true, false, false })]
    public void Binary_Threshold_AppliesItsOperator_AndMissingStaysMissing(string op, bool[] expected)
    {
        var table = new TrainingTable(4, new Dictionary<string, double[]> { ["hba1c"] = [6.0, 6.5, 7.2, double.NaN] }, new Dictionary<string, string?[]>());
        var label = Binary($$"""{"column":"hba1c","threshold":6.5,"operator":"{{op}}"}""").Label!;
        Assert.Equal([.. expected.Select(b => (bool?)b), null], Outcomes.Binary(label, Repo.Encounters, table));
    }

    [Fact]
    public async Task Train_RowsWithoutLabel_AreLeftOutAndCounted()
    {
        var table = await Repo.ReadAsync(await TestEncounters.Generate(1200, 8).ToParquetAsync());
        // A threshold on a lab value the generator leaves missing in some rows: those rows carry no label.
        var hba1c = table.Numeric["hba1c"];
        var missing = hba1c.Count(v => !double.IsFinite(v));
        Assert.InRange(missing, 1, table.RowCount / 2);
        var spec = Binary("""{"column":"hba1c","threshold":6.5}""") with { Features = [new("age"), new("glucose"), new("bmi")], Trainer = new() { Name = "logistic-regression" } };

        var model = BinaryTrainer.Train(spec, Repo.Encounters, table, "v", null, "test", DateTimeOffset.UnixEpoch);

        Assert.Equal(missing, model.RowsWithoutOutcome);
        Assert.Equal(table.RowCount - missing, model.Evaluation!.Rows);
        Assert.Equal(table.RowCount - missing, model.TrainRows); // cross-validated, then refit on every labelled row
    }
}
