using static HealthAnalytics.Ingestion.Tests.Ingestion.CleanerHarness;

namespace HealthAnalytics.Ingestion.Tests.Ingestion;

public class CellRuleTests
{
    [Theory]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("-Infinity")]
    [InlineData("1e309")]
    public async Task Clean_NonFiniteNumber_IsQuarantined(string value)
    {
        var r = await CleanAsync(Csv(Row(("bmi", value))));
        var row = r.SingleQuarantined();
        Assert.Equal(new Violation("bmi", Rules.NonFinite), Assert.Single(row.Violations));
        Assert.Equal(2, row.Line);
    }

    [Fact]
    public async Task Clean_ThirtiethOfFebruary_IsQuarantinedAsType()
    {
        var r = await CleanAsync(Csv(Row(("admission_date", "2024-02-30"))));
        Assert.Contains(new Violation("admission_date", Rules.Type), r.SingleQuarantined().Violations);
    }

    [Fact]
    public async Task Clean_AdmissionInTheFuture_IsQuarantined()
    {
        var r = await CleanAsync(Csv(Row(("admission_date", "2025-06-16"), ("discharge_date", "2025-06-20"))));
        Assert.Contains(new Violation("admission_date", Rules.FutureDate), r.SingleQuarantined().Violations);
    }

    [Fact]
    public async Task Clean_AdmissionToday_IsKept()
    {
        var r = await CleanAsync(Csv(Row(("admission_date", "2025-06-15"), ("discharge_date", "2025-06-15"))));
        Assert.Equal(1, r.Report.Rows.Kept);
    }

    [Fact]
    public async Task Clean_DischargeBeforeAdmission_IsRangeViolationOfLengthOfStay()
    {
        var r = await CleanAsync(Csv(Row(("discharge_date", "2024-01-01"))));
        Assert.Equal(new Violation("length_of_stay_days", Rules.Range), Assert.Single(r.SingleQuarantined().Violations));
    }

    [Fact]
    public async Task Clean_GlucoseInMmolPerLitre_IsConvertedAndCountedAsFixed()
    {
        var r = await CleanAsync(Csv(Row(("glucose", "5.5 mmol/L"))));
        r.AssertCurated();
        Assert.Equal(1, r.Report.Rows.Fixed);
        var glucose = r.Report.Columns.Single(c => c.Name == "glucose");
        Assert.Equal(1, glucose.Fixed);
        Assert.Equal(5.5 * 18.0182, glucose.Mean!.Value, 6);
    }

    [Fact]
    public async Task Clean_HeaderUnitColumn_ConvertsEveryCell()
    {
        var header = string.Join(",", Header).Replace("glucose", "glucose_mmol_l", StringComparison.Ordinal);
        var r = await CleanAsync(header + "\n" + Row(("glucose", "10")) + "\n");
        r.AssertCurated();
        Assert.Equal(1, r.Report.Rows.Fixed);
        Assert.Equal(180.182, r.Report.Columns.Single(c => c.Name == "glucose").Mean!.Value, 6);
    }

    [Fact]
    public async Task Clean_UnknownUnit_IsQuarantined()
    {
        var r = await CleanAsync(Csv(Row(("glucose", "5.5 g/gallon"))));
        Assert.Equal(new Violation("glucose", Rules.Unit), Assert.Single(r.SingleQuarantined().Violations));
    }

    [Fact]
    public async Task Clean_CategoryAlias_IsMappedAndCountedAsFixed()
    {
        var r = await CleanAsync(Csv(Row(("admission_type", "Urgences")), Row(("encounter_id", "E2"), ("admission_type", "EMERGENCY"))));
        r.AssertCurated();
        Assert.Equal(1, r.Report.Rows.Fixed);
        Assert.Equal(1, r.Report.Rows.Kept);
        Assert.Equal(2, r.Report.Columns.Single(c => c.Name == "admission_type").Categories!["emergency"]);
    }

    [Fact]
    public async Task Clean_LowerCaseDiagnosis_IsUpperCasedAsFix()
    {
        var r = await CleanAsync(Csv(Row(("primary_diagnosis", "e11.9"))));
        Assert.Equal(1, r.Report.Rows.Fixed);
    }

    [Fact]
    public async Task Clean_PatternMismatch_IsQuarantined()
    {
        var r = await CleanAsync(Csv(Row(("primary_diagnosis", "diabetes"))));
        Assert.Equal(new Violation("primary_diagnosis", Rules.Pattern), Assert.Single(r.SingleQuarantined().Violations));
    }

    [Fact]
    public async Task Clean_EmptyRequiredCell_IsQuarantined()
    {
        var r = await CleanAsync(Csv(Row(("readmitted_30d", " "))));
        Assert.Equal(new Violation("readmitted_30d", Rules.Required), Assert.Single(r.SingleQuarantined().Violations));
    }

    [Fact]
    public async Task Clean_DuplicateEncounter_FirstWins()
    {
        var r = await CleanAsync(Csv(Row(("bmi", "20")), Row(("bmi", "30")), Row(("encounter_id", "E2"), ("bmi", "40"))));
        r.AssertCurated();
        Assert.Equal(1, r.Report.Rows.Duplicate);
        Assert.Equal(2, r.Report.Rows.Written);
        var bmis = await ParquetCheck.QueryAsync(r.Parquet, "SELECT bmi FROM {0} ORDER BY bmi", x => x.GetDouble(0));
        Assert.Equal([20.0, 40.0], bmis);
    }

    [Fact]
    public async Task Clean_BlankLines_AreCountedAsBlank()
    {
        var r = await CleanAsync(Csv(Row(), "", " , ", Row(("encounter_id", "E2"))).Replace(" , ", string.Concat(Enumerable.Repeat(" ,", Header.Length - 1)) + " ", StringComparison.Ordinal));
        r.AssertCurated();
        Assert.Equal(2, r.Report.Rows.Blank);
        Assert.Equal(4, r.Report.Rows.Read);
    }

    [Fact]
    public async Task Clean_RowCounts_AddUpToRowsRead()
    {
        var r = await CleanAsync(Csv(Row(), Row(), "", Row(("encounter_id", "E2"), ("sex", "femme")), Row(("encounter_id", "E3"), ("bmi", "x"))));
        var rows = r.Report.Rows;
        Assert.Equal(rows.Read, rows.Blank + rows.Quarantined + rows.Duplicate + rows.Kept + rows.Fixed);
        Assert.Equal((5L, 1L, 1L, 1L, 1L, 1L), (rows.Read, rows.Blank, rows.Quarantined, rows.Duplicate, rows.Kept, rows.Fixed));
    }
}
