using System.Globalization;
using System.Text;
using HealthAnalytics.Reporting;

namespace HealthAnalytics.Training;

/// <summary>
/// The pictures of the task-independent parts of a model card (docs/console.md, "Model card"): a metric per group with
/// its gap per dimension, subgroup profiles as a heat map, and the silhouette of each k tried. Task-specific pictures are
/// drawn by the task's <see cref="CardSection"/>. Everything drawn is already in <c>card.json</c>: groups of at least 30
/// rows, subgroups of at least 30 rows.
/// </summary>
internal static class ModelCardCharts
{
    /// <summary>The card's style sheet (constant, so a host that frames the card can allow it by hash: docs/console.md).</summary>
    public const string StyleSheet =
        "body{font-family:system-ui,sans-serif;margin:2rem;max-width:72rem}table{border-collapse:collapse;margin:.5rem 0 1.5rem}" +
        "td,th{border:1px solid #ccc;padding:.25rem .6rem;text-align:left}" +
        ".charts{display:flex;flex-wrap:wrap;gap:1rem}figure.chart{margin:0;break-inside:avoid}figure.chart svg{max-width:100%;height:auto}" +
        "figcaption{font-size:.85rem;color:#444;max-width:34rem}" +
        "@media print{body{margin:0}h2{break-after:avoid}table,figure{break-inside:avoid}}";

    /// <summary>The metrics a group chart prefers, in order (the first one every group has is drawn).</summary>
    private static readonly string[] Preferred = ["auc", "cIndex", "concordance", "auprc", "rmse", "brier"];

    /// <param name="evaluated">Which predictions the group metrics come from (holdout, or out-of-fold under cross-validation).</param>
    public static void Groups(StringBuilder html, IReadOnlyList<GroupMetrics> groups, string evaluated)
    {
        if (groups.Count == 0)
        {
            return;
        }

        var metric = Preferred.FirstOrDefault(m => groups.All(g => g.Metrics.ContainsKey(m))) ?? groups[0].Metrics.Keys.First();
        var gaps = groups.GroupBy(g => g.Dimension)
            .Select(d =>
            {
                var values = d.Select(g => g.Metrics[metric]).Where(double.IsFinite).ToList();
                return values.Count < 2 ? $"{d.Key} n/a" : string.Create(CultureInfo.InvariantCulture, $"{d.Key} {values.Max() - values.Min():0.####}");
            });
        html.Append("<div class=\"charts\">").Append(SvgChart.Bars("groups", metric + " per group (" + evaluated + ")", "group", metric,
            [.. groups.Select(g => string.Create(CultureInfo.InvariantCulture, $"{g.Dimension}={g.Group} (n={g.Rows})"))],
            [new ChartBars(metric, [.. groups.Select(g => g.Metrics[metric])])],
            caption: "Gap (highest − lowest) per dimension: " + string.Join(", ", gaps) + ". Groups under 30 rows are not evaluated.", format: "0.###")).Append("</div>");
    }

    public static void Subgroups(StringBuilder html, IReadOnlyList<SubgroupProfile> subgroups, IReadOnlyDictionary<int, double> kScores)
    {
        var charts = new StringBuilder();
        var profiled = subgroups.Where(s => s.Standardized is { Count: > 0 }).ToList();
        if (profiled.Count > 0)
        {
            var features = profiled.SelectMany(s => s.Standardized!.Keys).Distinct().Order(StringComparer.Ordinal).ToList();
            var values = new double[profiled.Count, features.Count];
            for (var r = 0; r < profiled.Count; r++)
            {
                for (var c = 0; c < features.Count; c++)
                {
                    values[r, c] = profiled[r].Standardized!.TryGetValue(features[c], out var v) ? v : double.NaN;
                }
            }

            charts.Append(SvgChart.HeatMap("subgroups", "Subgroup profiles", "feature", "subgroup", features,
                [.. profiled.Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Subgroup} ({s.Share:0%})"))], values, "SDs from overall mean",
                "Each cell: the subgroup's mean minus the overall mean, in standard deviations. Red above, blue below."));
        }

        if (kScores.Count > 1)
        {
            charts.Append(SvgChart.Lines("kscores", "Silhouette by number of subgroups", "k (subgroups)", "mean silhouette",
                [new ChartLine("silhouette", [.. kScores.OrderBy(p => p.Key).Select(p => ((double)p.Key, p.Value))], ChartLineKind.LineWithPoints)],
                caption: "k was chosen by the highest mean silhouette on a seeded sample."));
        }

        if (charts.Length > 0)
        {
            html.Append("<div class=\"charts\">").Append(charts).Append("</div>");
        }
    }
}
