using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using HealthAnalytics.Synthetic;
using static HealthAnalytics.Ingestion.Tests.Synthetic.SyntheticTestKit;

namespace HealthAnalytics.Ingestion.Tests.Synthetic;

public sealed class EncounterGeneratorTests
{
    private const int ColumnCount = 24;
    private static readonly GeneratorOptions Dirty = new() { Rows = 4000, Seed = 20_26, Dirt = DirtRates.Typical };

    [Fact]
    public void Write_SameOptionsAndSeed_ProducesIdenticalBytes()
    {
        foreach (GeneratorOptions o in new[] { Dirty, Dirty with { Dialect = CsvDialect.French, Gzip = true, Subgroups = 6 } })
        {
            Generated a = Generate(o), b = Generate(o);
            Assert.Equal(a.Bytes, b.Bytes);
            Assert.Equal(a.GroundTruth, b.GroundTruth);
            Assert.Equal(JsonSerializer.Serialize(a.Truth, GenerationTruth.JsonOptions), JsonSerializer.Serialize(b.Truth, GenerationTruth.JsonOptions));
        }
    }

    [Fact]
    public void Write_DifferentSeed_ProducesDifferentBytes()
    {
        Assert.NotEqual(Generate(Dirty).Bytes, Generate(Dirty with { Seed = Dirty.Seed + 1 }).Bytes);
    }

    [Fact]
    public void Write_Gzip_DecompressesToThePlainOutput()
    {
        Generated gz = Generate(Dirty with { Gzip = true });
        using var unzip = new GZipStream(new MemoryStream(gz.Bytes), CompressionMode.Decompress);
        using var plain = new MemoryStream();
        unzip.CopyTo(plain);
        Assert.Equal((byte)0x1f, gz.Bytes[0]);
        Assert.Equal(Generate(Dirty).Bytes, plain.ToArray());
    }

    [Fact]
    public void Write_Header_IsTheContractsRawColumnsInOrder()
    {
        using JsonDocument contract = LoadContract();
        string[] expected = [.. contract.RootElement.GetProperty("columns").EnumerateArray().Select(c => c.GetProperty("name").GetString()!)];
        Generated g = Generate(Dirty with { Rows = 10 });
        Assert.Equal(expected, Parse(g.Text, ',')[0].Fields);
    }

    [Fact]
    public void Write_FrenchDialect_UsesContractAliasesSemicolonsCommaDecimalsAndFrenchDates()
    {
        using JsonDocument contract = LoadContract();
        var aliases = contract.RootElement.GetProperty("columns").EnumerateArray()
            .Select(c => c.GetProperty("aliases").EnumerateArray().Select(a => a.GetString()!).Append(c.GetProperty("name").GetString()!).ToHashSet())
            .ToArray();
        Generated g = Generate(Dirty with { Dialect = CsvDialect.French, Rows = 200 });
        List<CsvRecord> records = Parse(g.Text, ';');
        Assert.All(records[0].Fields.Select((h, i) => (h, i)), x => Assert.Contains(x.h, aliases[x.i]));
        Assert.Contains("\r\n", g.Text, StringComparison.Ordinal);
        CsvRecord row = records.Skip(1).First(r => r.Fields.Length == ColumnCount && r.Fields[17].Length > 0 && !r.Fields[17].Contains(' ', StringComparison.Ordinal));
        Assert.Matches(@"^\d+,\d$", row.Fields[17]); // HbA1c with a decimal comma
        Assert.Matches(@"^\d{2}/\d{2}/\d{4}$", row.Fields[11]);
    }

    [Fact]
    public void Truth_RowsRead_EqualsSumOfOutcomesAndRecordsInFile()
    {
        Generated g = Generate(Dirty);
        TruthRows r = g.Truth.Rows;
        Assert.Equal(Dirty.Rows, r.Read);
        Assert.Equal(r.Read, r.Blank + r.Quarantined + r.Duplicate + r.Kept + r.Fixed);
        Assert.Equal(r.Read, Parse(g.Text, ',').Count - 1);
        Assert.True(r.Blank > 0 && r.Duplicate > 0 && r.Quarantined > 0 && r.Fixed > 0, "every outcome is exercised");
    }

    [Fact]
    public void Truth_BlankFieldCountAndDuplicateCounts_MatchAnIndependentRecount()
    {
        Generated g = Generate(Dirty);
        List<CsvRecord> rows = Parse(g.Text, ',').Skip(1).ToList();
        Assert.Equal(g.Truth.Rows.Blank, rows.Count(IsBlank));
        Assert.Equal(g.Truth.ViolationsByRule["field-count"], rows.Count(r => !IsBlank(r) && r.Fields.Length != ColumnCount));

        // A duplicate is an exact copy of an earlier output row; output keys are the ground truth's ids.
        Dictionary<string, (string, int, double)> truth = ParseGroundTruth(g.GroundTruth);
        long duplicates = Duplicates(Parse(g.Text, ','), truth, ColumnCount);
        Assert.Equal(g.Truth.Rows.Duplicate, duplicates);
        Assert.Equal(g.Truth.Rows.Written, truth.Count);
    }

    [Fact]
    public void Truth_NonFiniteFutureDateAndRangeViolations_MatchAnIndependentRecount()
    {
        using JsonDocument contract = LoadContract();
        var ranges = contract.RootElement.GetProperty("columns").EnumerateArray()
            .Select((c, i) => (i, c))
            .Where(x => x.c.TryGetProperty("range", out _))
            .ToDictionary(x => x.i, x => (Min: x.c.GetProperty("range").GetProperty("min").GetDouble(), Max: x.c.GetProperty("range").GetProperty("max").GetDouble()));
        Generated g = Generate(Dirty);
        long nonFinite = 0, future = 0, range = 0;
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        foreach (CsvRecord r in Parse(g.Text, ',').Skip(1).Where(r => r.Fields.Length == ColumnCount))
        {
            foreach ((int col, (double min, double max)) in ranges)
            {
                string cell = r.Fields[col].Trim();
                if (cell.Length == 0 || cell.Contains(' ', StringComparison.Ordinal))
                {
                    continue; // empty, or a value with a unit suffix (a fix, never out of range here)
                }

                double v = double.Parse(cell, NumberStyles.Float, CultureInfo.InvariantCulture);
                if (!double.IsFinite(v))
                {
                    nonFinite++;
                }
                else if (v < min || v > max)
                {
                    range++;
                }
            }

            bool admissionOk = DateOnly.TryParseExact(r.Fields[11], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out DateOnly admission);
            bool dischargeOk = DateOnly.TryParseExact(r.Fields[12], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out DateOnly discharge);
            future += (admissionOk && admission > today ? 1 : 0) + (dischargeOk && discharge > today ? 1 : 0);
            if (admissionOk && dischargeOk && discharge.DayNumber - admission.DayNumber is < 0 or > 365)
            {
                range++;
            }
        }

        Assert.Equal(g.Truth.ViolationsByRule["non-finite"], nonFinite);
        Assert.Equal(g.Truth.ViolationsByRule["future-date"], future);
        Assert.Equal(g.Truth.ViolationsByRule["range"], range);
    }

    [Fact]
    public void Truth_MissingPerColumn_MatchesEmptyCellsOfOutputRows()
    {
        Generated g = Generate(Dirty);
        Dictionary<string, (string, int, double)> output = ParseGroundTruth(g.GroundTruth);
        long[] missing = new long[ColumnCount];
        List<CsvRecord> rows = OutputRows(Parse(g.Text, ','), output, ColumnCount);
        Assert.Equal(g.Truth.Rows.Written, rows.Count);
        foreach (CsvRecord r in rows)
        {
            for (int c = 0; c < ColumnCount; c++)
            {
                missing[c] += string.IsNullOrWhiteSpace(r.Fields[c]) ? 1 : 0;
            }
        }

        Assert.Equal(missing, g.Truth.Columns.Take(ColumnCount).Select(c => c.Missing));
        Assert.True(missing.Sum() > 0);
    }

    [Fact]
    public void Truth_PlantedPii_IsInTheRawFileAndPlentiful()
    {
        Generated g = Generate(Dirty with { Rows = 3000 });
        string[] pii = [.. g.Truth.Pii.All()];
        Assert.True(pii.Length >= 500, $"only {pii.Length} PII values");
        Assert.False(g.Truth.PiiTruncated);
        Assert.All(pii, v => Assert.Contains(v, g.Text, StringComparison.Ordinal));
        Assert.All(g.Truth.Pii.Nirs, n => Assert.Equal(97 - (long.Parse(n[..13], CultureInfo.InvariantCulture) % 97), long.Parse(n[13..], CultureInfo.InvariantCulture)));
        Assert.NotEmpty(g.Truth.Pii.Emails);
        Assert.NotEmpty(g.Truth.Pii.Addresses);
        Assert.NotEmpty(g.Truth.Pii.BirthDates);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    public void Truth_SubgroupCountAndBayesAuc_AreAsConfiguredAndPlausible(int k)
    {
        Generated g = Generate(Dirty with { Subgroups = k, Seed = 100 + k });
        Dictionary<string, (string Patient, int Subgroup, double Probability)> truth = ParseGroundTruth(g.GroundTruth);
        Assert.Equal(k, g.Truth.Subgroups);
        Assert.Equal(k, truth.Values.Select(t => t.Subgroup).Distinct().Count());
        Assert.InRange(g.Truth.BayesAuc, 0.6, 0.95);

        // Recompute the Bayes AUC from the side file and the labels in the CSV.
        var scored = OutputRows(Parse(g.Text, ','), truth, ColumnCount)
            .Select(r => (truth[r.Fields[0]].Probability, r.Fields[23] == "true"))
            .ToList();
        Assert.Equal(g.Truth.BayesAuc, Auc(scored), 9);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    public void Subgroups_KMeansOnStandardizedFeatures_RecoversThemWithAdjustedRandIndexAtLeast08(int k)
    {
        Generated g = Generate(new GeneratorOptions { Rows = 3000, Seed = 7 * k, Subgroups = k });
        Dictionary<string, (string Patient, int Subgroup, double Probability)> truth = ParseGroundTruth(g.GroundTruth);
        var features = new List<double[]>();
        var labels = new List<int>();
        foreach (CsvRecord r in Parse(g.Text, ',').Skip(1))
        {
            var f = r.Fields;
            DateOnly birth = DateOnly.ParseExact(f[8], "yyyy-MM-dd", CultureInfo.InvariantCulture);
            DateOnly admission = DateOnly.ParseExact(f[11], "yyyy-MM-dd", CultureInfo.InvariantCulture);
            DateOnly discharge = DateOnly.ParseExact(f[12], "yyyy-MM-dd", CultureInfo.InvariantCulture);
            double[] numeric = [.. f[15..23].Select(v => double.Parse(v, CultureInfo.InvariantCulture))];
            features.Add([Math.Min(Years(birth, admission), 90), discharge.DayNumber - admission.DayNumber, .. numeric]);
            labels.Add(truth[f[0]].Subgroup);
        }

        int[] clusters = KMeans(Standardize([.. features]), k, seed: 1);
        double ari = AdjustedRandIndex([.. labels], clusters);
        Assert.True(ari >= 0.8, $"ARI {ari:F3} for K={k}");
    }

    [Fact]
    public void Options_SubgroupsOutsideThreeToSix_AreRejected()
    {
        Assert.Throws<ArgumentException>(() => EncounterGenerator.Write(Stream.Null, new GeneratorOptions { Subgroups = 2 }));
        Assert.Throws<ArgumentException>(() => EncounterGenerator.Write(Stream.Null, new GeneratorOptions { Subgroups = 7 }));
        Assert.Throws<ArgumentException>(() => EncounterGenerator.Write(Stream.Null, new GeneratorOptions { Dirt = DirtRates.Typical with { MissingOptional = 0.95 } }));
    }

    [Fact]
    public void Write_CleanOptions_PlantNoDefects()
    {
        Generated g = Generate(new GeneratorOptions { Rows = 2000, Seed = 3 });
        Assert.Equal(new TruthRows(2000, 2000, 0, 0, 0, 0), g.Truth.Rows);
        Assert.Empty(g.Truth.ViolationsByRule);
        List<CsvRecord> rows = Parse(g.Text, ',').Skip(1).ToList();
        Assert.All(rows, r => Assert.Equal(ColumnCount, r.Fields.Length));

        // Elderly patients over 89 are clean rows too: top-coding their age is not a fix.
        int[] ages = [.. rows.Select(r => Years(DateOnly.Parse(r.Fields[8], CultureInfo.InvariantCulture), DateOnly.Parse(r.Fields[11], CultureInfo.InvariantCulture)))];
        Assert.Contains(ages, a => a > 89);
        Assert.All(ages, a => Assert.InRange(a, 0, 119));
    }

    internal static JsonDocument LoadContract() => JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoRoot(), "config", "contracts", "encounters.json")));

    internal static string RepoRoot()
    {
        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "HealthAnalytics.slnx")))
            {
                return d.FullName;
            }
        }

        throw new InvalidOperationException("repository root (HealthAnalytics.slnx) not found above " + AppContext.BaseDirectory);
    }
}
