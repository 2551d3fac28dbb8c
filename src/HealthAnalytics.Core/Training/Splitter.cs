using HealthAnalytics.Curated;

namespace HealthAnalytics.Training;

/// <summary>Seeded stratified holdout, or a time split (latest rows by a date/integer column form the holdout).</summary>
internal static class Splitter
{
    public static (int[] Train, int[] Holdout) Split(TrainingTable table, ValidationSpec validation, string? label)
    {
        int[]? strata = label is not null && table.Numeric.TryGetValue(label, out var y) ? [.. y.Select(v => v > 0.5 ? 1 : 0)] : null;
        return SplitByStrata(table, validation, strata);
    }

    /// <param name="strata">Stratum of each row (binary: the class; regression: the outcome's quintile); null: one stratum.</param>
    public static (int[] Train, int[] Holdout) SplitByStrata(TrainingTable table, ValidationSpec validation, int[]? strata)
    {
        var n = table.RowCount;
        if (validation.Kind == "time-split")
        {
            var time = table.Numeric[validation.TimeColumn!];
            var order = Enumerable.Range(0, n).OrderBy(i => double.IsFinite(time[i]) ? time[i] : double.MinValue).ThenBy(i => i).ToArray();
            var cut = n - (int)Math.Round(n * validation.HoldoutFraction);
            return ([.. order[..cut].Order()], [.. order[cut..].Order()]);
        }

        // Stratify so a rare outcome keeps its rate in both parts (strata in ascending order, each shuffled in turn).
        var groups = strata is not null
            ? Enumerable.Range(0, n).GroupBy(i => strata[i]).OrderBy(g => g.Key).Select(g => g.ToArray())
            : [Enumerable.Range(0, n).ToArray()];
        var random = new Random(validation.Seed);
        var train = new List<int>(n);
        var holdout = new List<int>(n / 4);
        foreach (var stratum in groups)
        {
            random.Shuffle(stratum);
            var take = (int)Math.Round(stratum.Length * validation.HoldoutFraction);
            holdout.AddRange(stratum[..take]);
            train.AddRange(stratum[take..]);
        }

        train.Sort();
        holdout.Sort();
        return ([.. train], [.. holdout]);
    }
}
