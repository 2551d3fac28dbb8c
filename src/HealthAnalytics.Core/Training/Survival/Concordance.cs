namespace HealthAnalytics.Training.Survival;

/// <summary>
/// Pair counts behind a concordance index (weighted sums for Uno's C). A pair (i, j) is comparable when row i had
/// its event at tᵢ and row j was still under observation after it: tⱼ &gt; tᵢ, or tⱼ = tᵢ with j censored (a
/// censoring at the event's time is taken to come after it). Two events at the same time are not comparable
/// (<see cref="TiedTime"/>). Counts match R's <c>concordance(..., reverse = TRUE)</c>.
/// </summary>
/// <param name="Concordant">Comparable pairs where the earlier event has the higher risk score.</param>
/// <param name="Discordant">Comparable pairs where it has the lower risk score.</param>
/// <param name="TiedRisk">Comparable pairs with equal risk scores (count ½ each).</param>
/// <param name="TiedTime">Pairs of events at the same time with different scores (not comparable, for reference).</param>
/// <param name="Variance">Infinitesimal-jackknife variance of the index, as R's <c>concordance()$var</c>.</param>
public sealed record ConcordanceResult(double Concordant, double Discordant, double TiedRisk, double TiedTime, double Variance = 0)
{
    public double StandardError => Math.Sqrt(Math.Max(0, Variance));

    /// <summary>Index ± 1.96 standard errors, clipped to [0, 1].</summary>
    public double Lower95 => Math.Max(0, Index - (KaplanMeierCurve.Z95 * StandardError));

    public double Upper95 => Math.Min(1, Index + (KaplanMeierCurve.Z95 * StandardError));

    /// <summary>(concordant + tied/2) / (concordant + discordant + tied); 0.5 when no pair is comparable.</summary>
    public double Index
    {
        get
        {
            var total = Concordant + Discordant + TiedRisk;
            return total > 0 ? (Concordant + (TiedRisk / 2)) / total : 0.5;
        }
    }

    public double ComparablePairs => Concordant + Discordant + TiedRisk;
}

/// <summary>Harrell's and Uno's concordance indices in O(n log n) (sort once, a Fenwick tree over risk ranks).</summary>
public static class Concordance
{
    /// <summary>Harrell's C: every comparable pair weighs 1. A higher risk score must mean an earlier event.</summary>
    public static ConcordanceResult Harrell(double[] times, bool[] events, double[] risk) =>
        Count(times, events, risk, null, double.PositiveInfinity);

    /// <summary>
    /// Uno's C: each comparable pair whose earlier time tᵢ ≤ <paramref name="tau"/> weighs 1/G(tᵢ−)², with G the
    /// Kaplan–Meier estimate of the censoring distribution (<see cref="KaplanMeier.Censoring"/> of these rows
    /// unless <paramref name="censoring"/> is given). R: <c>concordance(..., timewt = "n/G2", ymax = tau)</c>.
    /// </summary>
    public static ConcordanceResult Uno(double[] times, bool[] events, double[] risk, double tau, KaplanMeierCurve? censoring = null)
    {
        var g = censoring ?? KaplanMeier.Censoring(times, events);
        return Count(times, events, risk, g, tau);
    }

    private static ConcordanceResult Count(double[] times, bool[] events, double[] risk, KaplanMeierCurve? censoring, double tau)
    {
        SurvivalChecks.Outcome(times, events);
        ArgumentNullException.ThrowIfNull(risk);
        SurvivalChecks.SameLength(times.Length, risk.Length, nameof(risk));
        foreach (var r in risk)
        {
            if (!double.IsFinite(r))
            {
                throw new ArgumentException("Risk scores must be finite.", nameof(risk));
            }
        }

        var n = times.Length;
        var ranks = Ranks(risk, out var distinct);
        var tree = new long[distinct + 1];
        var order = SurvivalChecks.OrderByTime(times, events);
        double concordant = 0, discordant = 0, tiedRisk = 0, tiedTime = 0;

        // Per-row weighted counts of the pairs each row belongs to (as the earlier event or as the later row).
        var influenceC = new double[n];
        var influenceD = new double[n];
        var influenceT = new double[n];
        long inserted = 0;
        var end = n; // process from the largest time down
        while (end > 0)
        {
            var t = times[order[end - 1]];
            var start = end - 1;
            while (start > 0 && times[order[start - 1]] == t)
            {
                start--;
            }

            // Censorings at t are still under observation when the events at t happen.
            var eventsHere = 0;
            for (var k = start; k < end; k++)
            {
                if (!events[order[k]])
                {
                    Add(tree, ranks[order[k]]);
                    inserted++;
                }
                else
                {
                    eventsHere++;
                }
            }

            if (eventsHere > 0 && t <= tau)
            {
                var weight = 1.0;
                if (censoring is not null)
                {
                    var g = censoring.SurvivalBefore(t);
                    weight = g > 0 ? 1 / (g * g) : 0;
                }

                for (var k = start; k < end; k++)
                {
                    var i = order[k];
                    if (!events[i])
                    {
                        continue;
                    }

                    var below = Prefix(tree, ranks[i] - 1);
                    var upTo = Prefix(tree, ranks[i]);
                    concordant += weight * below;
                    tiedRisk += weight * (upTo - below);
                    discordant += weight * (inserted - upTo);
                    influenceC[i] += weight * below;
                    influenceT[i] += weight * (upTo - below);
                    influenceD[i] += weight * (inserted - upTo);
                }

                // Event pairs at this time with different scores (R's tied.y; equal scores are its tied.xy).
                var sameRisk = 0L;
                foreach (var c in Enumerable.Range(start, end - start).Where(k => events[order[k]]).GroupBy(k => ranks[order[k]]))
                {
                    var m = (long)c.Count();
                    sameRisk += m * (m - 1) / 2;
                }

                tiedTime += weight * (((long)eventsHere * (eventsHere - 1) / 2) - sameRisk);
            }

            for (var k = start; k < end; k++)
            {
                if (events[order[k]])
                {
                    Add(tree, ranks[order[k]]);
                    inserted++;
                }
            }

            end = start;
        }

        LaterRowCounts(times, events, order, ranks, distinct, censoring, tau, influenceC, influenceD, influenceT);

        // Infinitesimal jackknife of Somers' d = (C − D)/pairs, then of the index (d + 1)/2 (R's concordancefit).
        var pairs = concordant + discordant + tiedRisk;
        var variance = 0.0;
        if (pairs > 0)
        {
            var somers = (concordant - discordant) / pairs;
            for (var i = 0; i < n; i++)
            {
                var dfbeta = ((influenceC[i] - influenceD[i]) / pairs) - (somers / pairs * (influenceC[i] + influenceD[i] + influenceT[i]));
                variance += dfbeta * dfbeta;
            }

            variance /= 4;
        }

        return new ConcordanceResult(concordant, discordant, tiedRisk, tiedTime, variance);
    }

    /// <summary>
    /// For every row j, the weighted pairs in which j is the later row: comparable earlier events i (tᵢ &lt; tⱼ, or
    /// tᵢ = tⱼ with j censored) with a higher score (concordant), a lower one (discordant) or an equal one (tied).
    /// Ascending in time with a weighted Fenwick tree of the events seen so far.
    /// </summary>
    private static void LaterRowCounts(double[] times, bool[] events, int[] order, int[] ranks, int distinct, KaplanMeierCurve? censoring, double tau,
        double[] influenceC, double[] influenceD, double[] influenceT)
    {
        var n = times.Length;
        var tree = new double[distinct + 1];
        var total = 0.0;
        var start = 0;
        while (start < n)
        {
            var t = times[order[start]];
            var end = start;
            while (end < n && times[order[end]] == t)
            {
                end++;
            }

            // Events at t are not comparable with each other: query the events first, then add them, then the censored rows.
            for (var k = start; k < end; k++)
            {
                if (events[order[k]])
                {
                    Query(order[k]);
                }
            }

            if (t <= tau)
            {
                var weight = 1.0;
                if (censoring is not null)
                {
                    var g = censoring.SurvivalBefore(t);
                    weight = g > 0 ? 1 / (g * g) : 0;
                }

                for (var k = start; k < end; k++)
                {
                    if (events[order[k]])
                    {
                        for (var r = ranks[order[k]]; r < tree.Length; r += r & -r)
                        {
                            tree[r] += weight;
                        }

                        total += weight;
                    }
                }
            }

            for (var k = start; k < end; k++)
            {
                if (!events[order[k]])
                {
                    Query(order[k]);
                }
            }

            start = end;
        }

        void Query(int j)
        {
            double below = 0, upTo = 0;
            for (var r = ranks[j] - 1; r > 0; r -= r & -r)
            {
                below += tree[r];
            }

            for (var r = ranks[j]; r > 0; r -= r & -r)
            {
                upTo += tree[r];
            }

            influenceC[j] += total - upTo;   // the earlier event scored higher
            influenceD[j] += below;          // it scored lower
            influenceT[j] += upTo - below;
        }
    }

    /// <summary>1-based dense ranks of the scores (equal scores share a rank).</summary>
    private static int[] Ranks(double[] values, out int distinct)
    {
        var order = new int[values.Length];
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        Array.Sort(order, (a, b) => values[a].CompareTo(values[b]));
        var ranks = new int[values.Length];
        distinct = 0;
        for (var k = 0; k < order.Length; k++)
        {
            if (k == 0 || values[order[k]] != values[order[k - 1]])
            {
                distinct++;
            }

            ranks[order[k]] = distinct;
        }

        return ranks;
    }

    private static void Add(long[] tree, int rank)
    {
        for (var i = rank; i < tree.Length; i += i & -i)
        {
            tree[i]++;
        }
    }

    private static long Prefix(long[] tree, int rank)
    {
        long s = 0;
        for (var i = rank; i > 0; i -= i & -i)
        {
            s += tree[i];
        }

        return s;
    }
}
