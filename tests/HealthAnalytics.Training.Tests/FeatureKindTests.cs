using HealthAnalytics.Contracts;
using HealthAnalytics.Training.Tests.Support;

namespace HealthAnalytics.Training.Tests;

/// <summary>A feature's <c>kind</c> override must fit its column's type (docs/models.md, "Model specs"): categorical on
/// category and string columns, numeric and boolean on integer, number and boolean columns.</summary>
public sealed class FeatureKindTests
{
    private static List<ConfigError> Errors(string features) => [.. ModelSpecReader.Validate(ModelSpecReader.Parse($$"""
        {"name":"m","task":"binary-classification","dataset":"encounters","label":{"column":"hba1c","threshold":6.5},
         "features":[{{features}}],"minimumRows":10}
        """), Repo.Encounters)];

    [Fact]
    public void Kind_ThatFitsTheColumnsType_IsAccepted()
    {
        Assert.Empty(Errors("""{"name":"prior_admissions","kind":"numeric"},{"name":"sex","kind":"categorical"},{"name":"readmitted_30d","kind":"numeric"},{"name":"medication_count","kind":"boolean"}"""));
    }

    [Fact]
    public void Categorical_OnAnIntegerColumn_IsRefusedAtItsKind_PointingToTheContract()
    {
        var error = Assert.Single(Errors("""{"name":"age"},{"name":"prior_admissions","kind":"categorical"}"""));
        Assert.Equal("$.features[1].kind", error.Path);
        Assert.Contains("category in the dataset's contract", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("numeric")]
    [InlineData("boolean")]
    public void NumericOrBoolean_OnACategoryColumn_IsRefusedAtItsKind(string kind)
    {
        var error = Assert.Single(Errors($$"""{"name":"admission_type","kind":"{{kind}}"}"""));
        Assert.Equal("$.features[0].kind", error.Path);
    }

    [Fact]
    public void Numeric_OnADateColumn_IsRefused()
    {
        Assert.Contains(Errors("""{"name":"admission_date","kind":"numeric"}"""), e => e.Path == "$.features[0].kind");
    }
}
