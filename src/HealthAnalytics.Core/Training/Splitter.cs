using HealthAnalytics.Curated;

namespace HealthAnalytics.Training;

/// <summary>Seeded stratified holdout, or a time split (latest rows by a date/integer column form the holdout).</summary>
internal static class Splitter
{
    public static (int[] Train, int[] Holdout) Split(TrainingTable table, ValidationSpec validation, string? label)
    {
        var n = table.RowCount;
        if (validation.Kind == "time-split")
        {
            var time = table.Numeric[validation.TimeColumn!];
            var order = Enumerable.Range(0, n).OrderBy(i => double.IsFinite(time[i]) ? time[i] : double.MinValue).ThenBy(i => i).ToArray();
            var cut = n - (int)Math.Round(n * validation.HoldoutFraction);
            return ([.. order[..cut].Order()], [.. order[cut..].Order()]);
        }

        // Stratify on the label so a rare outcome keeps its rate in both parts.
        var strata = label is not null && table.Numeric.TryGetValue(label, out var y)
            ? Enumerable.Range(0, n).GroupBy(i => y[i] > 0.5).OrderBy(g => g.Key).Select(g => g.ToArray())
            : [Enumerable.Range(0, n).ToArray()];
        var random = new Random(validation.Seed);
        var train = new List<int>(n);
        var holdout = new List<int>(n / 4);
        foreach (var stratum in strata)
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
