using System.Globalization;
using System.Text;

using HealthAnalytics.Bench.Ingest;

namespace HealthAnalytics.Bench.Results;

/// <summary>The ratio list and target table every suite's Markdown ends with: one format, one place.</summary>
public static class ResultMarkdown
{
    public static void AppendRatiosAndTargets(StringBuilder sb, IDictionary<string, double> ratios, IList<TargetCheck> targets)
    {
        var ic = CultureInfo.InvariantCulture;
        foreach (var (k, v) in ratios)
        {
            sb.AppendLine(ic, $"- {k}: **{v:F2}**");
        }

        sb.AppendLine();
        sb.AppendLine("| target | wanted | measured | met |");
        sb.AppendLine("| --- | --- | --- | --- |");
        foreach (var t in targets)
        {
            sb.AppendLine(ic, $"| {t.Name} | {t.Target} | {t.Measured} | {(t.Met is null ? "n/a" : t.Met.Value ? "yes" : "**no**")} |");
        }
    }
}
