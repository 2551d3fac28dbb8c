using System.Text;
using HealthAnalytics.Contracts;
using Microsoft.Extensions.Options;
using HealthAnalytics.Config;

namespace HealthAnalytics.Ingestion.Tests.Ingestion;

internal sealed class FixedTime(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}

/// <summary>Builds encounters CSV and runs the real cleaner on it, in memory.</summary>
internal static class CleanerHarness
{
    public const string Key = "test-key-0123456789-abcdefghijklmnopqrstuvwxyz";
    public static readonly DateTimeOffset Today = new(2025, 6, 15, 10, 0, 0, TimeSpan.Zero);

    public static readonly string[] Header =
    [
        "encounter_id", "patient_id", "first_name", "last_name", "birth_date", "sex", "postal_code", "admission_date",
        "discharge_date", "admission_type", "primary_diagnosis", "prior_admissions", "medication_count", "hba1c",
        "glucose", "creatinine", "systolic_bp", "heart_rate", "bmi", "readmitted_30d",
    ];

    private static readonly string[] Defaults =
    [
        "E1", "P1", "Jeanne", "Dupont", "1950-03-10", "F", "75012", "2024-01-05",
        "2024-01-10", "emergency", "E11.9", "2", "5", "7.1",
        "140", "1.1", "130", "80", "27.5", "false",
    ];

    public static DatasetContract Encounters
    {
        get
        {
            return ShippedConfig.Contract("encounters");
        }
    }

    /// <summary>One valid row with some cells replaced (by canonical column name).</summary>
    public static string Row(params (string Column, string Value)[] changes) => Row(",", changes);

    public static string Row(string delimiter, params (string Column, string Value)[] changes)
    {
        var values = (string[])Defaults.Clone();
        foreach (var (column, value) in changes)
        {
            values[Array.IndexOf(Header, column)] = value;
        }

        return string.Join(delimiter, values);
    }

    public static string Csv(params string[] rows) => string.Join("\n", rows.Prepend(string.Join(",", Header))) + "\n";

    public static Task<Result> CleanAsync(string csv, string fileName = "upload.csv", DatasetContract? contract = null, IngestionOptions? options = null, string key = Key) =>
        CleanAsync(Encoding.UTF8.GetBytes(csv), fileName, contract, options, key);

    public static async Task<Result> CleanAsync(byte[] input, string fileName = "upload.csv", DatasetContract? contract = null, IngestionOptions? options = null, string key = Key)
    {
        var cleaner = new CsvUploadCleaner(Options.Create(options ?? new IngestionOptions()), new Pseudonymizer(key, "k1"), new FixedTime(Today));
        var upload = new UploadRequest("u1", "partner-a", "encounters", fileName, new string('0', 64), contract ?? Encounters);
        using var output = new MemoryStream();
        var report = await cleaner.CleanAsync(upload, new MemoryStream(input), output, TestContext.Current.CancellationToken);
        return new Result(report, output.ToArray());
    }

    internal sealed record Result(QualityReport Report, byte[] Parquet)
    {
        public string Json => QualityReportFormat.ToJson(Report);
        public string Html => QualityReportFormat.ToHtml(Report);

        public void AssertRejected(string rule)
        {
            Assert.Equal(UploadOutcome.Rejected, Report.Outcome);
            Assert.Equal(rule, Report.Rejection?.Rule);
        }

        public void AssertCurated()
        {
            Assert.True(Report.Outcome == UploadOutcome.Curated, $"expected curated, got {Report.Rejection?.Rule}: {Report.Rejection?.Message}");
        }

        public RejectedRow SingleQuarantined()
        {
            AssertCurated();
            Assert.Equal(1, Report.Rows.Quarantined);
            return Assert.Single(Report.RejectedRows);
        }
    }
}
