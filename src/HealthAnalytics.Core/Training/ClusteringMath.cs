namespace HealthAnalytics.Training;

/// <summary>Cluster quality and agreement scores.</summary>
public static class ClusteringMath
{
    /// <summary>
    /// Mean silhouette over rows of a row-major matrix: (b - a) / max(a, b) with a the mean distance to the own
    /// cluster and b the smallest mean distance to another cluster. Quadratic: call it on a sample.
    /// </summary>
    public static double Silhouette(ReadOnlySpan<float> matrix, int width, ReadOnlySpan<int> assignments)
    {
        var n = assignments.Length;
        var k = 0;
        foreach (var a in assignments)
        {
            k = Math.Max(k, a + 1);
        }

        if (k < 2 || n < 3)
        {
            return double.NaN;
        }

        var sizes = new int[k];
        foreach (var a in assignments)
        {
            sizes[a]++;
        }

        var sums = new double[k];
        double total = 0;
        for (var i = 0; i < n; i++)
        {
            Array.Clear(sums);
            var xi = matrix.Slice(i * width, width);
            for (var j = 0; j < n; j++)
            {
                if (i == j)
                {
                    continue;
                }

                var xj = matrix.Slice(j * width, width);
                double d2 = 0;
                for (var f = 0; f < width; f++)
                {
                    var d = xi[f] - xj[f];
                    d2 += d * d;
                }

                sums[assignments[j]] += Math.Sqrt(d2);
            }

            var own = assignments[i];
            if (sizes[own] <= 1)
            {
                continue; // silhouette of a singleton is 0 by convention
            }

            var a = sums[own] / (sizes[own] - 1);
            var b = double.PositiveInfinity;
            for (var c = 0; c < k; c++)
            {
                if (c != own && sizes[c] > 0)
                {
                    b = Math.Min(b, sums[c] / sizes[c]);
                }
            }

            total += (b - a) / Math.Max(a, b);
        }

        return total / n;
    }

    /// <summary>Adjusted Rand index between two labelings of the same rows (1 = identical partitions).</summary>
    public static double AdjustedRandIndex(ReadOnlySpan<int> first, ReadOnlySpan<int> second)
    {
        if (first.Length != second.Length)
        {
            throw new ArgumentException("Labelings differ in length.", nameof(second));
        }

        var table = new Dictionary<(int, int), long>();
        var rows = new Dictionary<int, long>();
        var cols = new Dictionary<int, long>();
        for (var i = 0; i < first.Length; i++)
        {
            table[(first[i], second[i])] = table.GetValueOrDefault((first[i], second[i])) + 1;
            rows[first[i]] = rows.GetValueOrDefault(first[i]) + 1;
            cols[second[i]] = cols.GetValueOrDefault(second[i]) + 1;
        }

        static double Pairs(long x) => x * (x - 1) / 2.0;
        var index = table.Values.Sum(Pairs);
        var a = rows.Values.Sum(Pairs);
        var b = cols.Values.Sum(Pairs);
        var expected = a * b / Pairs(first.Length);
        var max = (a + b) / 2;
        return max == expected ? 1 : (index - expected) / (max - expected);
    }
}
