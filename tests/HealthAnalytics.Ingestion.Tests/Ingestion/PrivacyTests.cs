using static HealthAnalytics.Ingestion.Tests.Ingestion.CleanerHarness;

namespace HealthAnalytics.Ingestion.Tests.Ingestion;

public class PrivacyTests
{
    [Fact]
    public async Task Clean_Identifiers_ArePseudonymizedDeterministicallyAndKeyed()
    {
        var csv = Csv(Row(("patient_id", "PAT-42")), Row(("encounter_id", "E2"), ("patient_id", " PAT-42 ")));
        var a = await CleanAsync(csv);
        var b = await CleanAsync(csv, key: "another-key-0123456789-abcdefghijklmnopqrstuvwxyz");
        const string sql = "SELECT patient_id FROM {0}";
        var pa = await ParquetCheck.QueryAsync(a.Parquet, sql, x => x.GetString(0));
        var pb = await ParquetCheck.QueryAsync(b.Parquet, sql, x => x.GetString(0));
        Assert.Equal(2, pa.Count);
        Assert.Equal(pa[0], pa[1]);
        Assert.Matches("^[0-9a-f]{32}$", pa[0]);
        Assert.NotEqual(pa[0], pb[0]);
        var expected = Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Key), "PAT-42"u8))[..32]; // HMAC-SHA-256-128
        Assert.Equal(expected, pa[0]);
    }

    [Fact]
    public void Pseudonymize_NfcAndNfdForms_GiveTheSamePseudonym()
    {
        var p = new Pseudonymizer(Key);
        Assert.Equal(p.Pseudonymize("Zoe\u0301"), p.Pseudonymize("Zo\u00E9"));
    }

    [Fact]
    public async Task Clean_DirectColumnsAbsent_QuasiGeneralized_AgeTopCoded()
    {
        var r = await CleanAsync(Csv(Row(("birth_date", "1928-06-01"), ("admission_date", "2024-01-05"), ("postal_code", "75012"))));
        r.AssertCurated();
        var columns = await ParquetCheck.QueryAsync(r.Parquet, "DESCRIBE SELECT * FROM {0}", x => (x.GetString(0), x.GetString(1)));
        var names = columns.Select(c => c.Item1).ToList();
        foreach (var dropped in new[] { "first_name", "last_name", "birth_date", "discharge_date" })
        {
            Assert.DoesNotContain(dropped, names);
        }

        var row = (await ParquetCheck.QueryAsync(r.Parquet, "SELECT postal_code, CAST(admission_date AS VARCHAR), age, length_of_stay_days FROM {0}",
            x => (x.GetString(0), x.GetString(1), x.GetInt32(2), x.GetInt32(3)))).Single();
        Assert.Equal(("750", "2024-01-01", 90, 5), row);
    }

    [Fact]
    public async Task Clean_Parquet_HasRowCountAndColumnTypesReadByDuckDb()
    {
        var rows = Enumerable.Range(0, 150).Select(i => Row(("encounter_id", $"E{i}"))).ToArray();
        var r = await CleanAsync(Csv(rows), options: new IngestionOptions { RowGroupSize = 1000 });
        Assert.Equal(150, await ParquetCheck.CountAsync(r.Parquet));
        var types = (await ParquetCheck.QueryAsync(r.Parquet, "DESCRIBE SELECT * FROM {0}", x => (x.GetString(0), x.GetString(1)))).ToDictionary(t => t.Item1, t => t.Item2);
        Assert.Equal("VARCHAR", types["encounter_id"]);
        Assert.Equal("VARCHAR", types["sex"]);
        Assert.Equal("DATE", types["admission_date"]);
        Assert.Equal("INTEGER", types["prior_admissions"]);
        Assert.Equal("DOUBLE", types["hba1c"]);
        Assert.Equal("BOOLEAN", types["readmitted_30d"]);
        Assert.Equal("INTEGER", types["age"]);
        Assert.Equal(
            ["encounter_id", "patient_id", "sex", "postal_code", "admission_date", "admission_type", "primary_diagnosis", "prior_admissions",
             "medication_count", "hba1c", "glucose", "creatinine", "systolic_bp", "heart_rate", "bmi", "readmitted_30d", "age", "length_of_stay_days"],
            types.Keys);
    }

    [Fact]
    public async Task Clean_KAnonymity_IsSmallestQuasiGroup()
    {
        // Groups over (sex, postal prefix, admission year, age): three in (F,750,2024,73), one M.
        var r = await CleanAsync(Csv(
            Row(("encounter_id", "E1")),
            Row(("encounter_id", "E2"), ("postal_code", "75099")),
            Row(("encounter_id", "E3")),
            Row(("encounter_id", "E4"), ("sex", "M"))));
        Assert.Equal(1, r.Report.KAnonymity);
        Assert.Equal(["sex", "postal_code", "admission_date", "age"], r.Report.QuasiIdentifiers);
        var without = await CleanAsync(Csv(Row(("encounter_id", "E1")), Row(("encounter_id", "E2"), ("postal_code", "75099"))));
        Assert.Equal(2, without.Report.KAnonymity);
    }

    [Fact]
    public async Task Clean_Report_HoldsNoIdentifierDirectOrQuasiRawValue()
    {
        string[] secrets = ["PATSECRET9", "ENCSECRET7", "Marguerite", "Zyxwvuts", "1931-07-23", "93117", "2023-11-02", "2023-11-09"];
        var r = await CleanAsync(Csv(
            Row(("encounter_id", "ENCSECRET7"), ("patient_id", "PATSECRET9"), ("first_name", "Marguerite"), ("last_name", "Zyxwvuts"),
                ("birth_date", "1931-07-23"), ("postal_code", "93117"), ("admission_date", "2023-11-02"), ("discharge_date", "2023-11-09")),
            Row(("encounter_id", "ENCSECRET7"), ("patient_id", "PATSECRET9"), ("bmi", "oops"))));
        r.AssertCurated();
        foreach (var text in new[] { r.Json, r.Html })
        {
            foreach (var secret in secrets)
            {
                Assert.DoesNotContain(secret, text, StringComparison.OrdinalIgnoreCase);
            }
        }
    }

    [Fact]
    public async Task Clean_FormulaText_IsKeptAsDataAndHarmlessInHtml()
    {
        var header = string.Join(",", Header) + ",\"=cmd|' /C calc'!A0<script>\"";
        var r = await CleanAsync(header + "\n" + Row(("primary_diagnosis", "=cmd|' /C calc'!A0")) + ",=HYPERLINK(\"x\")\n");
        r.AssertCurated();
        Assert.Equal(Rules.Pattern, Assert.Single(r.SingleQuarantined().Violations).Rule);
        var unknown = Assert.Single(r.Report.UnknownColumns);
        Assert.Equal(21, unknown.Position);
        Assert.DoesNotContain("<script>", r.Html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;", r.Html, StringComparison.Ordinal);
    }
}
