namespace HealthAnalytics.Training.Effects;

/// <summary>
/// Seeded assignment of every row to a half (0 = the half the subgroup tree is grown on, 1 = the half its leaves are
/// estimated on) and to a cross-fitting fold within its half. Units are clusters when given (a patient's rows never
/// straddle folds or halves), else rows; units are stratified by arm (for clusters: which arms they hold) and dealt
/// round-robin over the 2·K (half, fold) cells, so halves and folds have near-equal sizes and arm shares.
/// </summary>
internal sealed class FoldPlan
{
    private FoldPlan(int folds, int[] half, int[] fold)
    {
        Folds = folds;
        Half = half;
        Fold = fold;
    }

    public int Folds { get; }
    public int[] Half { get; }
    public int[] Fold { get; }

    public static FoldPlan Create(bool[] treated, int[]? clusters, int folds, int seed)
    {
        var n = treated.Length;
        var unitOf = new int[n];
        var units = new List<List<int>>();
        if (clusters is null)
        {
            for (var i = 0; i < n; i++)
            {
                unitOf[i] = i;
                units.Add([i]);
            }
        }
        else
        {
            var index = new Dictionary<int, int>();
            for (var i = 0; i < n; i++)
            {
                if (!index.TryGetValue(clusters[i], out var u))
                {
                    u = units.Count;
                    index[clusters[i]] = u;
                    units.Add([]);
                }

                units[u].Add(i);
                unitOf[i] = u;
            }
        }

        var random = new Random(seed);
        var half = new int[n];
        var fold = new int[n];
        var cell = 0;
        var strata = Enumerable.Range(0, units.Count)
            .GroupBy(u => (units[u].Any(i => treated[i]) ? 1 : 0) + (units[u].Any(i => !treated[i]) ? 2 : 0))
            .OrderBy(g => g.Key);
        foreach (var stratum in strata)
        {
            var members = stratum.ToArray();
            random.Shuffle(members);
            foreach (var u in members)
            {
                foreach (var i in units[u])
                {
                    half[i] = cell % 2;
                    fold[i] = cell / 2 % folds;
                }

                cell++;
            }
        }

        return new FoldPlan(folds, half, fold);
    }
}
