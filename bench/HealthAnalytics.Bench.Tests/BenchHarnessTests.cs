using System.Globalization;
using HealthAnalytics.Bench.Ingest;
using HealthAnalytics.Bench.Inputs;
using HealthAnalytics.Bench.Measurement;
using HealthAnalytics.Bench.Results;
using HealthAnalytics.Bench.Train;
using nietras.SeparatedValues;

namespace HealthAnalytics.Bench.Tests;

public sealed class BenchHarnessTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "ha-bench-tests-" + Guid.NewGuid().ToString("N"));

    public BenchHarnessTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string BenchAssembly => Path.Combine(AppContext.BaseDirectory, "HealthAnalytics.Bench.dll");

    private static string RepoRoot => BenchOptions.FindRepoRoot();

    [Fact]
    public async Task ChildRun_ChildHoldingMemory_ReportsPeakRssAtLeastWhatItHeld()
    {
        const int megabytes = 150;
        var outcome = await ChildRun.RunAsync(["probe", "alloc", megabytes.ToString(CultureInfo.InvariantCulture)],
            TimeSpan.FromMinutes(2), TestContext.Current.CancellationToken, benchAssembly: BenchAssembly);

        Assert.True(outcome.Report.Ok, outcome.Report.Error);
        Assert.Equal(megabytes * 1_000_000L, outcome.Report.OutputBytes);
        Assert.True(outcome.PeakRssBytes >= megabytes * 1_000_000L, $"peak RSS {outcome.PeakRssBytes} below the {megabytes} MB held");
        Assert.True(outcome.PeakRssBytes < 4L * megabytes * 1_000_000L, $"peak RSS {outcome.PeakRssBytes} implausibly high");
    }

    [Fact]
    public void InputCache_SameSizeAndSeed_ReusesTheSameBytes_OtherSeedDiffers()
    {
        var cache = new InputCache(_dir, new BenchEncountersGenerator());
        var first = cache.GetOrCreate(300_000, seed: 7, TestContext.Current.CancellationToken);
        var firstBytes = File.ReadAllBytes(first.Path);
        var again = cache.GetOrCreate(300_000, seed: 7, TestContext.Current.CancellationToken);
        var other = cache.GetOrCreate(300_000, seed: 8, TestContext.Current.CancellationToken);

        Assert.False(first.FromCache);
        Assert.True(again.FromCache);
        Assert.Equal(first.Rows, again.Rows);
        Assert.Equal(firstBytes, File.ReadAllBytes(again.Path));
        Assert.NotEqual(firstBytes, File.ReadAllBytes(other.Path));
        Assert.True(first.Bytes >= 300_000, "the file reaches the requested size");
        Assert.Empty(Directory.GetFiles(_dir, "*.partial"));
    }

    [Fact]
    public void Generator_RowLimit_WritesExactlyThatManyDataRowsOf24Fields()
    {
        var input = new InputCache(_dir, new BenchEncountersGenerator()).GetOrCreateRows(1234, seed: 1, TestContext.Current.CancellationToken);

        using var reader = Sep.Reader(o => o with { Unescape = true }).FromFile(input.Path);
        var rows = 0;
        foreach (var row in reader)
        {
            Assert.Equal(24, row.ColCount);
            rows++;
        }

        Assert.Equal(1234, rows);
        Assert.Equal(1234, input.Rows);
    }

    [Fact]
    public async Task DuckDbEngine_GeneratedCsv_WritesEveryRowToParquet()
    {
        var input = new InputCache(_dir, new BenchEncountersGenerator()).GetOrCreateRows(5000, seed: 3, TestContext.Current.CancellationToken);
        var output = Path.Combine(_dir, "duck.parquet");

        var report = await new DuckDbIngestEngine().RunAsync(input.Path, output, threads: 1, TestContext.Current.CancellationToken);

        Assert.True(report.Ok, report.Error);
        Assert.Equal(5000, report.RowsWritten);
        Assert.True(report.OutputBytes > 0);
        Assert.Equal("1", report.Details["threads"]);
    }

    [Fact]
    public async Task OursEngine_GeneratedCsv_AccountsForEveryRowAndQuarantinesTheDirtyOnes()
    {
        var input = new InputCache(_dir, new BenchEncountersGenerator()).GetOrCreateRows(20_000, seed: 3, TestContext.Current.CancellationToken);
        var output = Path.Combine(_dir, "ours.parquet");
        var contract = Path.Combine(RepoRoot, "config", "contracts", "encounters.json");

        var report = await new OursIngestEngine(contract).RunAsync(input.Path, output, threads: 0, TestContext.Current.CancellationToken);

        Assert.True(report.Ok, report.Error);
        long D(string k) => long.Parse(report.Details[k], CultureInfo.InvariantCulture);
        Assert.Equal(20_000, D("rowsRead"));
        Assert.Equal(D("rowsRead"), D("kept") + D("fixed") + D("quarantined") + D("duplicate") + D("blank"));
        Assert.Equal(D("kept") + D("fixed"), report.RowsWritten);

        // The generator makes ~0.3 % implausible blood pressures and ~0.2 % missing patient ids (about 100
        // rows here) and ~0.5 % category aliases or lower-case diagnoses (about 100) that are fixed, not dropped.
        Assert.InRange(D("quarantined"), 40, 200);
        Assert.InRange(D("fixed"), 40, 200);
        Assert.True(report.OutputBytes > 0);
    }

    [Fact]
    public async Task OursWarmEngine_MeasuresTheWholeInputAfterItsWarmUp_SameRowsAndBytesAsCold_NoScratchLeft()
    {
        var ct = TestContext.Current.CancellationToken;
        var input = new InputCache(_dir, new BenchEncountersGenerator()).GetOrCreateRows(6_000, seed: 5, ct);
        var contract = Path.Combine(RepoRoot, "config", "contracts", "encounters.json");
        var warmDir = Directory.CreateDirectory(Path.Combine(_dir, "warm")).FullName;

        var cold = await new OursIngestEngine(contract).RunAsync(input.Path, Path.Combine(_dir, "cold.parquet"), threads: 0, ct);
        var warm = await new OursIngestEngine(contract, warmUpRows: 1_000).RunAsync(input.Path, Path.Combine(warmDir, "warm.parquet"), threads: 0, ct);

        Assert.True(warm.Ok, warm.Error);
        Assert.Equal(("ours", "ours-warm"), (cold.Engine, warm.Engine));
        // The timed run is the whole input, not the warm-up's slice: the same report and the same file as a cold run.
        Assert.Equal("6000", warm.Details["rowsRead"]);
        Assert.Equal(cold.RowsWritten, warm.RowsWritten);
        Assert.Equal(cold.OutputBytes, warm.OutputBytes);
        Assert.Equal(["warm.parquet"], Directory.GetFiles(warmDir).Select(Path.GetFileName));
    }

    [Fact]
    public void Auc_HandComputedExample_MatchesPairCount()
    {
        // Positives score 0.9 and 0.4; negatives 0.1, 0.4 (tie) and 0.8.
        // Pairs (pos > neg): 0.9 beats all 3 → 3; 0.4 beats 0.1 → 1, ties 0.4 → 0.5, loses to 0.8 → 0. AUC = 4.5 / 6.
        var auc = NativeLightGbmEngine.Auc([0.9, 0.4, 0.1, 0.4, 0.8], [1, 1, 0, 0, 0]);

        Assert.Equal(0.75, auc, 10);
    }

    [Fact]
    public async Task NativeLightGbm_GeneratedRows_LearnsTheGeneratorSignal()
    {
        var input = new InputCache(_dir, new BenchEncountersGenerator()).GetOrCreateRows(20_000, seed: 5, TestContext.Current.CancellationToken);

        var report = await new NativeLightGbmEngine().RunAsync(input.Path, threads: 1, TestContext.Current.CancellationToken);

        Assert.True(report.Ok, report.Error);
        var auc = double.Parse(report.Details["auc"], CultureInfo.InvariantCulture);
        Assert.True(auc > 0.65, $"holdout AUC {auc} shows no learning");
    }

    [Fact]
    public async Task OursTrainEngine_CuratedGeneratedRows_ReadmissionRiskLearnsTheGeneratorSignal()
    {
        var ct = TestContext.Current.CancellationToken;
        var input = new InputCache(_dir, new BenchEncountersGenerator()).GetOrCreateRows(20_000, seed: 5, ct);
        var curated = Path.Combine(_dir, "curated.parquet");
        var contract = Path.Combine(RepoRoot, "config", "contracts", "encounters.json");
        var cleaned = await new OursIngestEngine(contract).RunAsync(input.Path, curated, threads: 0, ct);
        Assert.True(cleaned.Ok, cleaned.Error);

        var spec = Path.Combine(RepoRoot, "config", "models", "readmission-risk.json");
        var report = await new OursTrainEngine(spec, contract).RunAsync(curated, threads: 1, ct);

        Assert.True(report.Ok, report.Error);
        Assert.Equal("readmission-risk", report.Details["model"]);
        Assert.Equal(cleaned.RowsWritten, report.RowsWritten);
        var auc = double.Parse(report.Details["auc"], CultureInfo.InvariantCulture);
        Assert.True(auc > 0.65, $"holdout AUC {auc} shows no learning");
    }

    [Fact]
    public void ResultStore_LatestMd_HoldsNewestRunOfEachSuiteAndSize()
    {
        var store = new ResultStore(_dir);
        var t0 = new DateTimeOffset(2026, 1, 1, 10, 0, 0, TimeSpan.Zero);
        store.Write("ingest", "1GB", t0, new { n = 1 }, "## old 1GB");
        store.Write("ingest", "4GB", t0.AddMinutes(1), new { n = 2 }, "## only 4GB");
        store.Write("ingest", "1GB", t0.AddMinutes(2), new { n = 3 }, "## new 1GB");

        var latest = File.ReadAllText(store.LatestPath);

        Assert.Contains("## new 1GB", latest, StringComparison.Ordinal);
        Assert.Contains("## only 4GB", latest, StringComparison.Ordinal);
        Assert.DoesNotContain("## old 1GB", latest, StringComparison.Ordinal);
        Assert.Equal(3, Directory.GetFiles(_dir, "ingest-*.json").Length);
    }

    [Fact]
    public void ResultStore_LatestMd_KeepsVariantsWithAHyphen()
    {
        // `./dev bench train --rows 100k,1M` writes variant "100k-1M": it is one size key, not a timestamp fragment.
        var store = new ResultStore(_dir);
        var t0 = new DateTimeOffset(2026, 1, 1, 10, 0, 0, TimeSpan.Zero);
        store.Write("train", "100k-1M", t0, new { n = 1 }, "## old 100k-1M");
        store.Write("train", "100k", t0.AddMinutes(1), new { n = 2 }, "## only 100k");
        store.Write("train", "100k-1M", t0.AddMinutes(2), new { n = 3 }, "## new 100k-1M");

        var latest = File.ReadAllText(store.LatestPath);

        Assert.Contains("## new 100k-1M", latest, StringComparison.Ordinal);
        Assert.Contains("## only 100k", latest, StringComparison.Ordinal);
        Assert.DoesNotContain("## old 100k-1M", latest, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1GB", 1_000_000_000)]
    [InlineData("4gb", 4_000_000_000)]
    [InlineData("250MB", 250_000_000)]
    [InlineData("12345", 12_345)]
    public void ParseSize_DecimalUnits(string text, long expected) => Assert.Equal(expected, BenchOptions.ParseSize(text));
}
