using System.Globalization;
using HealthAnalytics.Contracts;
using HealthAnalytics.Ingestion;
using HealthAnalytics.Synthetic;
using Microsoft.Extensions.Options;
using HealthAnalytics.Config;

namespace HealthAnalytics.Training.Tests.Support;

/// <summary>
/// The real path: the synthetic generator's CSV, cleaned by the real cleaner into curated Parquet, with the
/// generator's ground truth (latent subgroup, true probability) aligned to the curated rows (clean data: the
/// cleaner keeps every row, in order).
/// </summary>
internal sealed record GeneratedData(byte[] Parquet, int[] Subgroup, double[] TrueProbability, bool[] Label, GenerationTruth Truth)
{
    public static async Task<GeneratedData> CreateAsync(int rows, long seed, string uploadId = "u1")
    {
        using var csv = new MemoryStream();
        using var groundTruth = new MemoryStream();
        var truth = EncounterGenerator.Write(csv, new GeneratorOptions { Rows = rows, Seed = seed }, groundTruth);

        var contract = ShippedConfig.Contract("encounters");
        var cleaner = new CsvUploadCleaner(Options.Create(new IngestionOptions()), new Pseudonymizer("modeling-tests-key", "k1"), TimeProvider.System);
        using var parquet = new MemoryStream();
        csv.Position = 0;
        var report = await cleaner.CleanAsync(new UploadRequest(uploadId, "partner-a", "encounters", "gen.csv", new string('0', 64), contract), csv, parquet, CancellationToken.None);
        Assert.Equal(UploadOutcome.Curated, report.Outcome);
        Assert.Equal(rows, report.Rows.Kept + report.Rows.Fixed);

        var lines = System.Text.Encoding.UTF8.GetString(groundTruth.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries)[1..];
        var subgroup = new int[lines.Length];
        var probability = new double[lines.Length];
        for (var i = 0; i < lines.Length; i++)
        {
            var parts = lines[i].Split(',');
            subgroup[i] = int.Parse(parts[2], CultureInfo.InvariantCulture);
            probability[i] = double.Parse(parts[3], CultureInfo.InvariantCulture);
        }

        return new GeneratedData(parquet.ToArray(), subgroup, probability, [], truth);
    }
}
