using System.Globalization;
using System.Text.Json.Serialization;

namespace HealthAnalytics.Training.Effects;

/// <summary>
/// One node of the subgroup tree. A split sends a row left when its numeric value is below <see cref="Threshold"/>
/// or its category is in <see cref="LeftCategories"/>; a missing value goes left when <see cref="MissingLeft"/>.
/// </summary>
public sealed record SubgroupNode
{
    public required int Id { get; init; }
    public required int Depth { get; init; }
    public string? Column { get; init; }
    public double? Threshold { get; init; }
    public IReadOnlyList<string>? LeftCategories { get; init; }
    public bool MissingLeft { get; init; }
    public int? Left { get; init; }
    public int? Right { get; init; }

    /// <summary>Growing rows in the node and their mean estimated effect.</summary>
    public int GrowRows { get; init; }
    public double MeanPredicted { get; init; }

    [JsonIgnore]
    public bool IsLeaf => Column is null;
}

/// <summary>One condition of a leaf's rule, per column: a numeric interval [Lower, Upper) or a category set,
/// with or without missing values.</summary>
public sealed record RuleCondition(string Column, string? Unit, double? Lower, double? Upper, IReadOnlyList<string>? Categories, bool IncludesMissing)
{
    public override string ToString()
    {
        var ci = CultureInfo.InvariantCulture;
        var unit = Unit is null ? "" : " " + Unit;
        string text;
        if (Categories is not null)
        {
            text = Categories.Count == 0 ? "" : $"{Column} in {{{string.Join(", ", Categories)}}}";
        }
        else if (Lower is { } lo && Upper is { } hi)
        {
            text = $"{lo.ToString("G6", ci)} <= {Column} < {hi.ToString("G6", ci)}{unit}";
        }
        else if (Lower is { } l)
        {
            text = $"{Column} >= {l.ToString("G6", ci)}{unit}";
        }
        else if (Upper is { } u)
        {
            text = $"{Column} < {u.ToString("G6", ci)}{unit}";
        }
        else
        {
            text = "";
        }

        return (text.Length, IncludesMissing) switch
        {
            (0, true) => $"{Column} is missing",
            (_, true) => $"{text} or {Column} missing",
            _ => text,
        };
    }
}

/// <summary>
/// A benefit subgroup: a leaf of the tree with its rule, its growing and estimation rows and its honest effect estimate
/// (AIPW mean of the pseudo-outcome over the estimation rows in the leaf, which chose no split).
/// </summary>
public sealed record SubgroupLeaf(
    int Id, string Rule, IReadOnlyList<RuleCondition> Conditions, int GrowRows, int EstimateRows, double Share,
    double MeanPredictedEffect, Estimate Effect, Estimate Benefit, string Verdict);

/// <summary>The fitted tree: nodes (root = 0), leaves with estimates, and how it was pruned.</summary>
public sealed record SubgroupTree(IReadOnlyList<SubgroupNode> Nodes, IReadOnlyList<SubgroupLeaf> Leaves, int MinLeafRows, double PruningAlpha)
{
    /// <summary>Leaf id of one row given raw values by column name (double/float/int/long/decimal, string, or null = missing).</summary>
    public int Route(IReadOnlyDictionary<string, object?> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var node = Nodes[0];
        while (!node.IsLeaf)
        {
            values.TryGetValue(node.Column!, out var v);
            bool left;
            if (node.LeftCategories is not null)
            {
                var s = v?.ToString();
                left = s is null ? node.MissingLeft : node.LeftCategories.Contains(s, StringComparer.Ordinal);
            }
            else
            {
                var x = v switch
                {
                    double d => d,
                    float f => f,
                    int i => i,
                    long l => l,
                    decimal m => (double)m,
                    _ => double.NaN,
                };
                left = double.IsFinite(x) ? x < node.Threshold!.Value : node.MissingLeft;
            }

            node = Nodes[left ? node.Left!.Value : node.Right!.Value];
        }

        return node.Id;
    }
}

/// <summary>
/// Hand-written CART over the estimated effects. Why not ML.NET's trees: the rules must be written in the
/// contract's columns and units (category sets, thresholds at readable values, missing values routed explicitly),
/// and the rows that choose the splits must differ from the rows that estimate the leaves (honesty), which a
/// library tree over the featurized slots does not give. Depth ≤ 3 and a minimum leaf size keep it small.
/// Candidate thresholds are the column's values rounded to 2 significant digits (so "age &lt; 65", never
/// "age &lt; 64.5"), which also keeps individual values out of the rules.
/// </summary>
internal static class SubgroupTreeBuilder
{
    private const int MaxCandidates = 400;

    internal sealed class Node
    {
        public int Depth;
        public int[] Rows = [];
        public double Sum;
        public double Sse;
        public int Column = -1;
        public double Threshold;
        public HashSet<string>? LeftCategories;
        public bool MissingLeft;
        public Node? Left;
        public Node? Right;

        public bool IsLeaf => Left is null;
        public double Mean => Rows.Length == 0 ? 0 : Sum / Rows.Length;
    }

    /// <summary>Grows the full tree (to the depth limit) on <paramref name="rows"/> with target <paramref name="target"/>.</summary>
    public static Node Grow(IReadOnlyList<EffectColumn> columns, double[] target, int[] rows, int maxDepth, int minLeaf)
    {
        var node = MakeNode(target, rows, 0);
        Split(node, columns, target, maxDepth, minLeaf);
        return node;
    }

    private static Node MakeNode(double[] target, int[] rows, int depth)
    {
        double sum = 0, sumSq = 0;
        foreach (var r in rows)
        {
            sum += target[r];
            sumSq += target[r] * target[r];
        }

        return new Node { Depth = depth, Rows = rows, Sum = sum, Sse = Math.Max(0, sumSq - (rows.Length == 0 ? 0 : sum * sum / rows.Length)) };
    }

    private static void Split(Node node, IReadOnlyList<EffectColumn> columns, double[] target, int maxDepth, int minLeaf)
    {
        if (node.Depth >= maxDepth || node.Rows.Length < 2 * minLeaf)
        {
            return;
        }

        var best = (Gain: 1e-12 * Math.Max(1, node.Sse), Column: -1, Threshold: 0.0, Categories: (HashSet<string>?)null, MissingLeft: false);
        var parentScore = node.Sum * node.Sum / node.Rows.Length;
        for (var c = 0; c < columns.Count; c++)
        {
            var candidate = columns[c].IsNumeric
                ? BestNumeric(columns[c].Numeric!, target, node.Rows, minLeaf)
                : BestCategorical(columns[c].Categorical!, target, node.Rows, minLeaf);
            if (candidate is { } s && s.Score - parentScore > best.Gain)
            {
                best = (s.Score - parentScore, c, s.Threshold, s.Categories, s.MissingLeft);
            }
        }

        if (best.Column < 0)
        {
            return;
        }

        var column = columns[best.Column];
        var left = new List<int>();
        var right = new List<int>();
        foreach (var r in node.Rows)
        {
            (GoesLeft(column, r, best.Threshold, best.Categories, best.MissingLeft) ? left : right).Add(r);
        }

        node.Column = best.Column;
        node.Threshold = best.Threshold;
        node.LeftCategories = best.Categories;
        node.MissingLeft = best.MissingLeft;
        node.Left = MakeNode(target, [.. left], node.Depth + 1);
        node.Right = MakeNode(target, [.. right], node.Depth + 1);
        Split(node.Left, columns, target, maxDepth, minLeaf);
        Split(node.Right, columns, target, maxDepth, minLeaf);
    }

    internal static bool GoesLeft(EffectColumn column, int row, double threshold, HashSet<string>? categories, bool missingLeft)
    {
        if (column.IsNumeric)
        {
            var x = column.Numeric![row];
            return double.IsFinite(x) ? x < threshold : missingLeft;
        }

        var s = column.Categorical![row];
        return s is null ? missingLeft : categories!.Contains(s);
    }

    /// <summary>Best "x &lt; c" split; the score is S_L²/n_L + S_R²/n_R (maximizing it minimizes the children's SSE).</summary>
    private static (double Score, double Threshold, HashSet<string>? Categories, bool MissingLeft)? BestNumeric(double[] x, double[] target, int[] rows, int minLeaf)
    {
        var present = rows.Where(r => double.IsFinite(x[r])).OrderBy(r => x[r]).ToArray();
        double missingSum = 0;
        var missingCount = 0;
        foreach (var r in rows)
        {
            if (!double.IsFinite(x[r]))
            {
                missingSum += target[r];
                missingCount++;
            }
        }

        var candidates = present.Select(r => RoundSignificant(x[r])).Distinct().Order().ToArray();
        if (candidates.Length > MaxCandidates)
        {
            candidates = [.. Enumerable.Range(1, MaxCandidates - 1).Select(k => candidates[(int)((long)k * candidates.Length / MaxCandidates)]).Distinct()];
        }

        double total = present.Sum(r => target[r]);
        (double, double, HashSet<string>?, bool)? best = null;
        var bestScore = double.NegativeInfinity;
        double leftSum = 0;
        var leftCount = 0;
        foreach (var c in candidates)
        {
            while (leftCount < present.Length && x[present[leftCount]] < c)
            {
                leftSum += target[present[leftCount]];
                leftCount++;
            }

            if (leftCount == 0 || leftCount == present.Length)
            {
                continue;
            }

            foreach (var missingLeft in new[] { false, true })
            {
                var nl = leftCount + (missingLeft ? missingCount : 0);
                var nr = present.Length - leftCount + (missingLeft ? 0 : missingCount);
                if (nl < minLeaf || nr < minLeaf)
                {
                    continue;
                }

                var sl = leftSum + (missingLeft ? missingSum : 0);
                var sr = total - leftSum + (missingLeft ? 0 : missingSum);
                var score = (sl * sl / nl) + (sr * sr / nr);
                if (score > bestScore + 1e-15)
                {
                    bestScore = score;
                    best = (score, c, null, missingLeft);
                }
            }
        }

        return best;
    }

    /// <summary>Best category set: levels (missing as its own level) ordered by mean target, best prefix (exact for squared error).</summary>
    private static (double Score, double Threshold, HashSet<string>? Categories, bool MissingLeft)? BestCategorical(string?[] x, double[] target, int[] rows, int minLeaf)
    {
        var levels = new Dictionary<string, (double Sum, int Count)>(StringComparer.Ordinal);
        double missingSum = 0;
        var missingCount = 0;
        foreach (var r in rows)
        {
            if (x[r] is { } s)
            {
                var (sum, count) = levels.GetValueOrDefault(s);
                levels[s] = (sum + target[r], count + 1);
            }
            else
            {
                missingSum += target[r];
                missingCount++;
            }
        }

        var ordered = levels.Select(p => (Level: (string?)p.Key, p.Value.Sum, p.Value.Count)).ToList();
        if (missingCount > 0)
        {
            ordered.Add((null, missingSum, missingCount));
        }

        ordered = [.. ordered.OrderBy(l => l.Sum / l.Count).ThenBy(l => l.Level ?? "\uffff", StringComparer.Ordinal)];
        var total = ordered.Sum(l => l.Sum);
        var n = rows.Length;
        (double, double, HashSet<string>?, bool)? best = null;
        var bestScore = double.NegativeInfinity;
        double leftSum = 0;
        var leftCount = 0;
        for (var k = 0; k < ordered.Count - 1; k++)
        {
            leftSum += ordered[k].Sum;
            leftCount += ordered[k].Count;
            if (leftCount < minLeaf || n - leftCount < minLeaf)
            {
                continue;
            }

            var score = (leftSum * leftSum / leftCount) + ((total - leftSum) * (total - leftSum) / (n - leftCount));
            if (score > bestScore + 1e-15)
            {
                bestScore = score;
                var set = ordered.Take(k + 1).Where(l => l.Level is not null).Select(l => l.Level!).ToHashSet(StringComparer.Ordinal);
                best = (score, 0, set, ordered.Take(k + 1).Any(l => l.Level is null));
            }
        }

        return best;
    }

    internal static double RoundSignificant(double x)
    {
        if (x == 0 || !double.IsFinite(x))
        {
            return x;
        }

        var digits = 1 - (int)Math.Floor(Math.Log10(Math.Abs(x)));
        var scale = Math.Pow(10, digits);
        return Math.Round(x * scale) / scale;
    }

    /// <summary>Weakest-link pruning: the α at which each successive subtree becomes optimal (0 first).</summary>
    public static List<double> CriticalAlphas(Node root)
    {
        var alphas = new List<double> { 0 };
        var collapsed = new HashSet<Node>();
        while (true)
        {
            var weakest = double.PositiveInfinity;
            Node? weakestNode = null;
            foreach (var node in Internal(root, collapsed))
            {
                var (sse, leaves) = SubtreeCost(node, collapsed);
                var g = (node.Sse - sse) / Math.Max(1, leaves - 1);
                if (g < weakest)
                {
                    weakest = g;
                    weakestNode = node;
                }
            }

            if (weakestNode is null)
            {
                return alphas;
            }

            collapsed.Add(weakestNode);
            alphas.Add(Math.Max(weakest, alphas[^1]));
        }
    }

    /// <summary>The nodes that are leaves of the optimal subtree for cost SSE + α·leaves.</summary>
    public static HashSet<Node> PruneAt(Node root, double alpha)
    {
        var collapsed = new HashSet<Node>();
        Cost(root);
        return collapsed;

        double Cost(Node node)
        {
            if (node.IsLeaf)
            {
                return node.Sse + alpha;
            }

            var sub = Cost(node.Left!) + Cost(node.Right!);
            if (node.Sse + alpha <= sub)
            {
                collapsed.Add(node);
                return node.Sse + alpha;
            }

            return sub;
        }
    }

    /// <summary>Leaf of the (pruned) tree a row falls in.</summary>
    public static Node LeafOf(Node root, HashSet<Node> collapsed, IReadOnlyList<EffectColumn> columns, int row)
    {
        var node = root;
        while (!node.IsLeaf && !collapsed.Contains(node))
        {
            node = GoesLeft(columns[node.Column], row, node.Threshold, node.LeftCategories, node.MissingLeft) ? node.Left! : node.Right!;
        }

        return node;
    }

    private static IEnumerable<Node> Internal(Node node, HashSet<Node> collapsed)
    {
        if (node.IsLeaf || collapsed.Contains(node))
        {
            yield break;
        }

        yield return node;
        foreach (var n in Internal(node.Left!, collapsed).Concat(Internal(node.Right!, collapsed)))
        {
            yield return n;
        }
    }

    private static (double Sse, int Leaves) SubtreeCost(Node node, HashSet<Node> collapsed)
    {
        if (node.IsLeaf || collapsed.Contains(node))
        {
            return (node.Sse, 1);
        }

        var (ls, ll) = SubtreeCost(node.Left!, collapsed);
        var (rs, rl) = SubtreeCost(node.Right!, collapsed);
        return (ls + rs, ll + rl);
    }
}
