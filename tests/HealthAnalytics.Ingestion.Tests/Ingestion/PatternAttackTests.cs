using System.Diagnostics;
using System.Text.Json.Nodes;
using HealthAnalytics.Contracts;
using HealthAnalytics.Ingestion;
using HealthAnalytics.Curated;
using static HealthAnalytics.Ingestion.Tests.Ingestion.CleanerHarness;

namespace HealthAnalytics.Ingestion.Tests.Ingestion;

/// <summary>
/// Contract patterns run on .NET's non-backtracking engine (docs/ingestion.md, Patterns): a pattern built for
/// catastrophic backtracking costs linear time, a cell that still times out is quarantined as that cell's rule,
/// and a pattern the engine cannot run is refused when the contract is loaded.
/// </summary>
public sealed class PatternAttackTests
{
    [Fact]
    public async Task Clean_CatastrophicPatternAndCraftedCells_QuarantinesTheCellsInBoundedTime()
    {
        // ^(A+)+$ against "AAA…AÉ": a backtracking engine tries every split of the A run (2^n paths) before failing.
        // Upper-cased diagnoses with a non-ASCII last letter take the text path, where the Regex runs. With the old
        // backtracking Regex one such cell hit the 1 s timeout and failed the whole upload (then 5 attempts).
        var contract = EncountersWith(pattern: "^(A+)+$");
        var crafted = new string('a', 5_000) + "é";
        var rows = new List<string>();
        for (var i = 0; i < 200; i++)
        {
            rows.Add(Row(("encounter_id", $"E{i}"), ("primary_diagnosis", i % 4 == 0 ? "aaaa" : crafted)));
        }

        var clock = Stopwatch.StartNew();
        var r = await CleanAsync(Csv([.. rows]), contract: contract);
        clock.Stop();

        r.AssertCurated();
        Assert.Equal(150, r.Report.Rows.Quarantined);
        Assert.Equal(150, r.Report.ViolationsByRule["pattern"]);
        Assert.Equal(50, r.Report.Rows.Written);
        Assert.All(r.Report.RejectedRows, row => Assert.Equal(new Violation("primary_diagnosis", "pattern"), Assert.Single(row.Violations)));

        // 150 cells of 5 kB: linear work, milliseconds. The bound is loose for a shared machine; the backtracking
        // engine would have needed 2^5000 steps per cell (it stopped at its 1 s timeout, i.e. ≥ 150 s, then failed).
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed.TotalSeconds:F1} s");
    }

    [Fact]
    public void Normalize_CellThatTimesOut_IsInvalidByThePatternRuleInsteadOfThrowing()
    {
        // A timeout of one tick makes any long match time out: the cell gets its own rule, the caller carries on.
        var spec = new ColumnSpec { Name = "code", Type = ColumnType.String, Pattern = "^[a-z]+$" };
        var normalizer = new ColumnNormalizer(spec, new DialectSpec(), ',', new DateOnly(2025, 1, 1), TimeSpan.FromTicks(1));
        var cell = new string('a', 1 << 20);
        var result = normalizer.Normalize(cell, new char[cell.Length]);
        Assert.Equal(CellStatus.Invalid, result.Status);
        Assert.Equal("pattern", result.Rule);

        var utf8 = System.Text.Encoding.ASCII.GetBytes(cell);
        var byteResult = normalizer.Normalize(utf8, new byte[utf8.Length], null, isAscii: true);
        Assert.Equal(CellStatus.Invalid, byteResult.Status);
    }

    [Theory]
    [InlineData(@"^(a)\1$")]
    [InlineData("^(?=a)a$")]
    [InlineData("^(?<!b)a$")]
    [InlineData("^(?>a+)b$")]
    [InlineData("^(?(a)a|b)$")]
    public void Load_PatternTheNonBacktrackingEngineCannotRun_IsAContractErrorAtItsPath(string pattern)
    {
        var (json, index) = EncountersJsonWith(pattern);
        var loaded = ContractLoader.Load(json);
        Assert.False(loaded.IsValid);
        var error = Assert.Single(loaded.Errors);
        Assert.Equal($"$.columns[{index}].pattern", error.Path);
        Assert.Contains("non-backtracking", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ShippedPatterns_AreAccepted()
    {
        var (json, _) = EncountersJsonWith(pattern: null);
        Assert.True(ContractLoader.Load(json).IsValid);
    }

    private static DatasetContract EncountersWith(string pattern)
    {
        var loaded = ContractLoader.Load(EncountersJsonWith(pattern).Json);
        Assert.True(loaded.IsValid, string.Join("; ", loaded.Errors));
        return loaded.Contract!;
    }

    /// <summary>The shipped encounters contract with primary_diagnosis's pattern replaced (null: unchanged), and that column's index.</summary>
    private static (string Json, int Index) EncountersJsonWith(string? pattern)
    {
        using var stream = typeof(ContractLoader).Assembly.GetManifestResourceStream("contracts/encounters.json")!;
        var root = JsonNode.Parse(stream)!.AsObject();
        var columns = root["columns"]!.AsArray();
        var index = columns.Select((c, i) => (c, i)).Single(x => (string?)x.c!["name"] == "primary_diagnosis").i;
        if (pattern is not null)
        {
            columns[index]!["pattern"] = pattern;
        }

        return (root.ToJsonString(), index);
    }
}
