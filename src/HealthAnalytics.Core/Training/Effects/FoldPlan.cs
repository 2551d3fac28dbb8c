namespace HealthAnalytics.Training.Effects;

/// <summary>
/// Seeded assignment of every row to a half (0 = the rows the subgroup tree is grown on, 1 = the rows its leaves are
/// estimated on) and to a cross-fitting fold within its half. Every model is fitted inside one half, so the rows that
/// estimate a leaf reach nothing the tree was grown from, and the reverse. Units are clusters when given (a patient's
/// rows never straddle folds or halves), else rows; units are stratified by arm (for clusters: which arms they hold),
/// shuffled and dealt in turn: a share <c>growShare</c> to half 0 (0.75 by default; 0.5 alternates), and within each
/// half round-robin over its K folds, so folds have near-equal sizes and every part near-equal arm shares.
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
        var dealt = 0;
        var inHalf = new int[2];
        var strata = Enumerable.Range(0, units.Count)
            .GroupBy(u => (units[u].Any(i => treated[i]) ? 1 : 0) + (units[u].Any(i => !treated[i]) ? 2 : 0))
            .OrderBy(g => g.Key);
        foreach (var stratum in strata)
        {
            var members = stratum.ToArray();
            random.Shuffle(members);
            foreach (var u in members)
            {
                // Half 0 takes a share growShare of the units by running count (exact to one unit, per stratum and
                // overall; 0.5 alternates 0, 1, 0, 1 …), each half deals its own folds round-robin.
                var h = Math.Floor(((dealt + 1) * growShare) + (1 - growShare)) > Math.Floor((dealt * growShare) + (1 - growShare)) ? 0 : 1;
                var f = inHalf[h]++ % folds;
                foreach (var i in units[u])
                {
                    half[i] = h;
                    fold[i] = f;
                }

                dealt++;
            }
        }

        return new FoldPlan(folds, half, fold);
    }
}
