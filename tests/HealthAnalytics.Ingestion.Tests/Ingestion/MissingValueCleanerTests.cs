using HealthAnalytics.Contracts;
using static HealthAnalytics.Ingestion.Tests.Ingestion.CleanerHarness;

namespace HealthAnalytics.Ingestion.Tests.Ingestion;

/// <summary>
/// What the cleaner does with missing-value tokens, values that mean missing and <c>onInvalid: set-missing</c>, and how
/// the report counts them per column and rule (docs/contracts.md, "Missing values"; docs/ingestion.md, "Row outcomes").
/// </summary>
public sealed class MissingValueCleanerTests
{
    /// <summary>The shipped encounters contract with glucose's 0 meaning "not measured" and bmi's invalid cells set missing.</summary>
    private static DatasetContract WithConventions() => Encounters with
    {
        Columns = [.. Encounters.Columns.Select(c => c.Name switch
        {
            "glucose" => c with { MissingWhen = [0] },
            "bmi" => c with { OnInvalid = InvalidCellAction.SetMissing },
            _ => c,
        })],
    };

    [Fact]
    public async Task Clean_ContractThatSaysNothing_ReadsNaAndQuestionMarkAsMissing_NotQuarantined()
    {
        var r = await CleanAsync(Csv(
            Row(("encounter_id", "E1"), ("hba1c", "NA"), ("glucose", "?")),
            Row(("encounter_id", "E2"), ("heart_rate", "NA"), ("prior_admissions", ".")),
            Row(("encounter_id", "E3"))));
        r.AssertCurated();
        Assert.Equal(0, r.Report.Rows.Quarantined);
        Assert.Equal(3, r.Report.Rows.Kept); // a token is neither a violation nor a fix
        Assert.Equal(1, r.Report.Columns.Single(c => c.Name == "heart_rate").Missing);
    }

    [Fact]
    public async Task Clean_ContractThatSaysNothing_LeavesStringColumnsAlone()
    {
        // postal_code is a string: "NA" is its text, checked by its pattern (3 to 10 characters), not a missing value.
        var r = await CleanAsync(Csv(Row(("postal_code", "NA"))));
        Assert.Equal(new Violation("postal_code", Rules.Pattern), Assert.Single(r.SingleQuarantined().Violations));
    }

    [Fact]
    public async Task Clean_TokenInARequiredColumn_QuarantinesTheRowAsRequired()
    {
        var r = await CleanAsync(Csv(Row(("admission_type", "NA"))));
        Assert.Equal(new Violation("admission_type", Rules.Required), Assert.Single(r.SingleQuarantined().Violations));
    }

    [Fact]
    public async Task Clean_MissingTokensAndMissingWhen_AreCountedPerColumnAndRule_AsMissingNotViolations()
    {
        var r = await CleanAsync(
            Csv(
                Row(("encounter_id", "E1"), ("hba1c", "NA"), ("glucose", "0")),
                Row(("encounter_id", "E2"), ("hba1c", "?"), ("glucose", "0.0"), ("heart_rate", "NULL")),
                Row(("encounter_id", "E3"), ("glucose", "")),
                Row(("encounter_id", "E4"))),
            contract: WithConventions());
        r.AssertCurated();
        Assert.Equal(4, r.Report.Rows.Kept);
        Assert.Empty(r.Report.ViolationsByRule);
        var hba1c = r.Report.Columns.Single(c => c.Name == "hba1c");
        Assert.Equal(2, hba1c.Missing);
        Assert.Equal(new Dictionary<string, long> { [Rules.MissingToken] = 2 }, hba1c.MissingByRule);
        var glucose = r.Report.Columns.Single(c => c.Name == "glucose");
        Assert.Equal(3, glucose.Missing); // two zeros and one empty cell
        Assert.Equal(new Dictionary<string, long> { [Rules.MissingWhen] = 2 }, glucose.MissingByRule);
        Assert.Equal(140, glucose.Min); // the zeros are not values
        Assert.Equal(new Dictionary<string, long> { [Rules.MissingToken] = 3, [Rules.MissingWhen] = 2 }, r.Report.MissingByRule);
        var nulls = await ParquetCheck.QueryAsync(r.Parquet, "SELECT count(*) FILTER (WHERE glucose IS NULL), count(*) FILTER (WHERE hba1c IS NULL) FROM {0}", x => (x.GetInt64(0), x.GetInt64(1)));
        Assert.Equal((3L, 2L), nulls.Single());
    }

    [Fact]
    public async Task Clean_SetMissing_KeepsTheRowAsFixed_AndCountsTheRuleForTheColumn()
    {
        var r = await CleanAsync(
            Csv(
                Row(("encounter_id", "E1"), ("bmi", "250")),
                Row(("encounter_id", "E2"), ("bmi", "abc")),
                Row(("encounter_id", "E3"), ("bmi", "9000")),
                Row(("encounter_id", "E4"), ("heart_rate", "900"))),
            contract: WithConventions());
        r.AssertCurated();
        Assert.Equal(3, r.Report.Rows.Fixed);
        Assert.Equal(1, r.Report.Rows.Quarantined); // heart_rate keeps the default: quarantine-row
        Assert.Equal(new Dictionary<string, long> { [Rules.Range] = 1 }, r.Report.ViolationsByRule);
        var bmi = r.Report.Columns.Single(c => c.Name == "bmi");
        Assert.Equal(0, bmi.Invalid);
        Assert.Equal(3, bmi.Fixed);
        Assert.Equal(3, bmi.Missing);
        Assert.Equal(new Dictionary<string, long> { [Rules.Range] = 2, [Rules.Type] = 1 }, bmi.SetMissingByRule);
        Assert.Equal(new Dictionary<string, long> { [Rules.Range] = 2, [Rules.Type] = 1 }, r.Report.SetMissingByRule);
        var bmis = await ParquetCheck.QueryAsync(r.Parquet, "SELECT count(*) FILTER (WHERE bmi IS NULL) FROM {0}", x => x.GetInt64(0));
        Assert.Equal(3, bmis.Single());
        Assert.Contains("set missing", r.Html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Clean_SetMissing_DoesNotSaveARowWithAnotherViolation()
    {
        var r = await CleanAsync(Csv(Row(("bmi", "250"), ("heart_rate", "900"))), contract: WithConventions());
        var row = r.SingleQuarantined();
        Assert.Equal(new Violation("heart_rate", Rules.Range), Assert.Single(row.Violations));
        Assert.Empty(r.Report.SetMissingByRule); // counted over output rows only
    }
}
