using HealthAnalytics.Contracts;
using HealthAnalytics.Synthetic;
using Microsoft.Extensions.Options;
using HealthAnalytics.Config;

namespace HealthAnalytics.Ingestion.Tests.Synthetic;

/// <summary>
/// The generator's truth and the real cleaner must agree on every count of docs/ingestion.md. When
/// they differ, the message lists each count on both sides so the misreading can be traced.
/// </summary>
public sealed class CleanerCrossCheckTests
{
    public static TheoryData<string> Variants => ["default", "french-gzip", "glucose-mmol", "six-subgroups", "french-glucose-mmol", "dirty-100k"];

    private static GeneratorOptions OptionsFor(string variant) => variant switch
    {
        "default" => new() { Rows = 5000, Seed = 11, Dirt = DirtRates.Typical },
        "french-gzip" => new() { Rows = 5000, Seed = 12, Dirt = DirtRates.Typical, Dialect = CsvDialect.French, Gzip = true },
        "glucose-mmol" => new() { Rows = 5000, Seed = 13, Dirt = DirtRates.Typical, GlucoseInMmolHeader = true },
        "six-subgroups" => new() { Rows = 5000, Seed = 14, Dirt = DirtRates.Typical, Subgroups = 6 },
        // The bar: a generated 100k-row dirty file, every count equal to the truth file.
        "dirty-100k" => new() { Rows = 100_000, Seed = 16, Dirt = DirtRates.Typical },
        _ => new() { Rows = 5000, Seed = 15, Dirt = DirtRates.Typical, Dialect = CsvDialect.French, GlucoseInMmolHeader = true },
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public async Task CsvUploadCleaner_OnDirtyGeneratedFile_ReportsExactlyTheTruthCounts(string variant)
    {
        using var data = new MemoryStream();
        GenerationTruth truth = EncounterGenerator.Write(data, OptionsFor(variant));
        var contract = ShippedConfig.Contract("encounters");
        var cleaner = new CsvUploadCleaner(Options.Create(new IngestionOptions()), new Pseudonymizer("cross-check-key-0123456789abcdefghijklmnop", "k1"), TimeProvider.System);
        var upload = new UploadRequest("u1", "partner-x", "encounters", "encounters.csv", new string('0', 64), contract);
        using var curated = new MemoryStream();
        data.Position = 0;
        QualityReport report = await cleaner.CleanAsync(upload, data, curated, TestContext.Current.CancellationToken);

        Assert.True(report.Outcome == UploadOutcome.Curated, $"rejected: {report.Rejection?.Rule} {report.Rejection?.Message} line {report.Rejection?.Line}");
        var diffs = new List<string>();
        void Compare(string what, long expected, long actual)
        {
            if (expected != actual)
            {
                diffs.Add($"{what}: truth {expected}, cleaner {actual}");
            }
        }

        Compare("rows.read", truth.Rows.Read, report.Rows.Read);
        Compare("rows.kept", truth.Rows.Kept, report.Rows.Kept);
        Compare("rows.fixed", truth.Rows.Fixed, report.Rows.Fixed);
        Compare("rows.quarantined", truth.Rows.Quarantined, report.Rows.Quarantined);
        Compare("rows.duplicate", truth.Rows.Duplicate, report.Rows.Duplicate);
        Compare("rows.blank", truth.Rows.Blank, report.Rows.Blank);
        foreach (string rule in truth.ViolationsByRule.Keys.Union(report.ViolationsByRule.Keys))
        {
            Compare($"violations[{rule}]", truth.ViolationsByRule.TryGetValue(rule, out long t) ? t : 0, report.ViolationsByRule.TryGetValue(rule, out long c) ? c : 0);
        }

        var columns = report.Columns.ToDictionary(c => c.Name, StringComparer.Ordinal);
        foreach (TruthColumn t in truth.Columns)
        {
            if (!columns.TryGetValue(t.Name, out ColumnReport? c))
            {
                if (t.Missing + t.Invalid + t.Fixed > 0)
                {
                    diffs.Add($"column {t.Name}: absent from the report, truth missing {t.Missing} invalid {t.Invalid} fixed {t.Fixed}");
                }

                continue;
            }

            Compare($"{t.Name}.missing", t.Missing, c.Missing);
            Compare($"{t.Name}.invalid", t.Invalid, c.Invalid);
            Compare($"{t.Name}.fixed", t.Fixed, c.Fixed);
        }

        Assert.True(diffs.Count == 0, $"{variant}: " + string.Join("; ", diffs));
    }
}
