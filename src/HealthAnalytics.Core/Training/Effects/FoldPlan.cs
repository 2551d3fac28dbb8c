namespace HealthAnalytics.Training.Effects;

/// <summary>
/// Seeded assignment of every row to a cross-fitting half and to a fold within its half, and to the subgroup tree's
/// growing or estimation rows. Units are clusters when given (a patient's rows never straddle folds, halves or the
/// tree's two parts), else rows; units are stratified by arm (for clusters: which arms they hold) and dealt round-robin
/// over the 2·K (half, fold) cells, so halves and folds have near-equal sizes and arm shares. Then the tree's split:
/// every unit of half 0 grows the tree; of half 1, a seeded share (dealt the same way, per arm stratum) grows it too
/// and the rest estimates the leaves, so that a share <c>growShare</c> of the units grows the tree (0.5: exactly half 0).
/// The estimation rows are therefore all in half 1.
/// </summary>
internal sealed class FoldPlan
{
    private FoldPlan(int folds, int[] half, int[] fold, bool[] grow)
    {
        Folds = folds;
        Half = half;
        Fold = fold;
        Grow = grow;
    }

    public int Folds { get; }
    public int[] Half { get; }
    public int[] Fold { get; }

    /// <summary>True: the row grows (and prunes) the subgroup tree; false: it estimates the leaves (half 1 only).</summary>
    public bool[] Grow { get; }

    public static FoldPlan Create(bool[] treated, int[]? clusters, int folds, int seed, double growShare = 0.5)
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
            .OrderBy(g => g.Key)
            .ToList();
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

        // The tree's split, drawn after the halves and folds (which it leaves as they were): each stratum's half-1 units
        // are shuffled again and a share 2·growShare − 1 of them (exact, by running count) grows the tree as well.
        var grow = half.Select(h => h == 0).ToArray();
        var moved = Math.Clamp((2 * growShare) - 1, 0, 1);
        foreach (var stratum in strata)
        {
            var members = stratum.Where(u => half[units[u][0]] == 1).ToArray();
            random.Shuffle(members);
            for (var j = 0; j < members.Length; j++)
            {
                if (Math.Floor((j + 1) * moved) > Math.Floor(j * moved))
                {
                    foreach (var i in units[members[j]])
                    {
                        grow[i] = true;
                    }
                }
            }
        }

        return new FoldPlan(folds, half, fold, grow);
    }
}
