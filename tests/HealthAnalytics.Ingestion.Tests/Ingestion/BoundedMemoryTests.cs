using static HealthAnalytics.Ingestion.Tests.Ingestion.CleanerHarness;

namespace HealthAnalytics.Ingestion.Tests.Ingestion;

/// <summary>The duplicate-key set and the k-anonymity counts spill to disk instead of growing: same answers as unbounded collections.</summary>
public sealed class BoundedMemoryTests
{
    [Fact]
    public void KeySet_SpillingToDisk_AnswersLikeAHashSet()
    {
        // Seeded keys with ~20 % repeats drawn from anywhere earlier (so many repeats hit spilled runs).
        var rng = new Random(7);
        var reference = new HashSet<ulong>();
        var seen = new List<ulong>();
        using var set = new SpillingKeySet(tableSlots: 1024, bloomBytes: 16 << 10);
        for (var i = 0; i < 30_000; i++)
        {
            var key = seen.Count > 0 && rng.Next(5) == 0 ? seen[rng.Next(seen.Count)] : (ulong)rng.NextInt64() ^ ((ulong)rng.Next() << 40);
            seen.Add(key);
            Assert.Equal(reference.Add(key == 0 ? 1 : key), set.Add(key));
        }

        Assert.Equal(reference.Count, set.Count);
        Assert.True(set.Runs > 20, $"expected many spilled runs, got {set.Runs}");
    }

    [Fact]
    public void GroupCounter_SpillingToDisk_FindsTheSmallestGroupAcrossRuns()
    {
        // Group g gets 3 + (g % 7) rows, rows shuffled, except group 123 that gets exactly 2 rows far apart:
        // its two counts land in different runs and only the merge can see the total.
        var rng = new Random(11);
        var rows = new List<ulong>();
        for (ulong g = 0; g < 2_000; g++)
        {
            var n = g == 123 ? 0 : 3 + (int)(g % 7);
            rows.AddRange(Enumerable.Repeat(unchecked(g * 0x9E3779B97F4A7C15UL), n));
        }

        rows = [.. rows.OrderBy(_ => rng.Next())];
        rows.Insert(0, unchecked(123 * 0x9E3779B97F4A7C15UL));
        rows.Add(unchecked(123 * 0x9E3779B97F4A7C15UL));
        using var counter = new SpillingGroupCounter(maxGroupsInMemory: 64);
        foreach (var g in rows)
        {
            counter.Add(g);
        }

        Assert.True(counter.Runs > 10, $"expected spilled runs, got {counter.Runs}");
        Assert.Equal(2, counter.SmallestGroup());
    }

    [Fact]
    public void GroupCounter_NothingCounted_HasNoSmallestGroup()
    {
        using var counter = new SpillingGroupCounter(16);
        Assert.Null(counter.SmallestGroup());
    }

    [Fact]
    public async Task Clean_TinyMemoryBudgets_GiveTheSameReportAndParquetAsDefaults()
    {
        // 3,000 rows with duplicates of rows far back (after several spills) and varied quasi groups.
        var rng = new Random(3);
        var rows = new List<string>();
        for (var i = 0; i < 3_000; i++)
        {
            var id = i % 10 == 9 ? $"E{rng.Next(i)}" : $"E{i}";
            rows.Add(Row(("encounter_id", id), ("postal_code", $"{rng.Next(100, 999)}01"), ("sex", rng.Next(2) == 0 ? "F" : "M")));
        }

        var csv = Csv([.. rows]);
        var unbounded = await CleanAsync(csv);
        var tiny = await CleanAsync(csv, options: new IngestionOptions { DuplicateKeysInMemory = 64, KAnonymityGroupsInMemory = 16 });
        Assert.True(unbounded.Report.Rows.Duplicate > 200, "the input holds duplicates");
        Assert.Equal(
            QualityReportFormat.ToJson(unbounded.Report with { DurationMs = 0 }),
            QualityReportFormat.ToJson(tiny.Report with { DurationMs = 0 }));
        Assert.Equal(unbounded.Parquet, tiny.Parquet);
    }
}
