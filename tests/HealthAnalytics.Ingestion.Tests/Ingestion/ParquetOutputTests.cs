using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using static HealthAnalytics.Ingestion.Tests.Ingestion.CleanerHarness;

namespace HealthAnalytics.Ingestion.Tests.Ingestion;

/// <summary>The hand-written Parquet writer, read back by DuckDB across several row groups, batches and null runs.</summary>
public class ParquetOutputTests
{
    [Fact]
    public async Task Clean_ManyRowsAcrossRowGroupsWithNulls_DuckDbReadsEveryValueInFileOrder()
    {
        // 9,000 rows: several parser batches (2,048 records), cleaned concurrently, and 1,000-row groups.
        var random = new Random(20240615);
        const int n = 9_000;
        var rows = new string[n];
        var expected = new List<(string Patient, int? Prior, double? Hba1c, bool Readmitted, string Sex)>(n);
        for (var i = 0; i < n; i++)
        {
            // Runs of the same patient, as partners send them (the pseudonym of the previous row is reused).
            var patient = $"PAT{i / 3}";
            int? prior = random.Next(4) == 0 ? null : random.Next(0, 101);
            double? hba1c = random.Next(5) == 0 ? null : Math.Round(3 + (random.NextDouble() * 17), 1);
            var readmitted = random.Next(2) == 0;
            var sex = random.Next(3) switch { 0 => "F", 1 => "M", _ => "U" };
            rows[i] = Row(
                ("encounter_id", $"E{i}"),
                ("patient_id", patient),
                ("prior_admissions", prior?.ToString(CultureInfo.InvariantCulture) ?? ""),
                ("hba1c", hba1c?.ToString(CultureInfo.InvariantCulture) ?? ""),
                ("readmitted_30d", readmitted ? "true" : "false"),
                ("sex", sex));
            expected.Add((Pseudonym(patient), prior, hba1c, readmitted, sex));
        }

        var r = await CleanAsync(Csv(rows), options: new IngestionOptions { RowGroupSize = 1000 });
        r.AssertCurated();
        Assert.Equal(n, r.Report.Rows.Written);
        var actual = await ParquetCheck.QueryAsync(
            r.Parquet,
            "SELECT patient_id, prior_admissions, hba1c, readmitted_30d, sex FROM {0}",
            x => (x.GetString(0), x.IsDBNull(1) ? (int?)null : x.GetInt32(1), x.IsDBNull(2) ? (double?)null : x.GetDouble(2), x.GetBoolean(3), x.GetString(4)));
        Assert.Equal(expected, actual);
    }

    [Fact]
    public async Task Clean_HeaderOnly_WritesAParquetFileWithZeroRowsAndTheSchema()
    {
        var r = await CleanAsync(Csv());
        r.AssertCurated();
        Assert.Equal(0, await ParquetCheck.CountAsync(r.Parquet));
        var columns = await ParquetCheck.QueryAsync(r.Parquet, "DESCRIBE SELECT * FROM {0}", x => x.GetString(0));
        Assert.Contains("patient_id", columns);
        Assert.Contains("length_of_stay_days", columns);
    }

    private static string Pseudonym(string value) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Key), Encoding.UTF8.GetBytes(value)))[..32]; // HMAC-SHA-256-128
}
