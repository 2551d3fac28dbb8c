using System.Globalization;
using System.Text;
using HealthAnalytics.Reporting;

namespace HealthAnalytics.Ingestion;

/// <summary>
/// The pictures of a quality report (docs/console.md, "Quality report"): row outcomes, violations by rule, missing and
/// invalid share per column, and per column a histogram (numbers, integers, dates) or its top categories. Only columns
/// whose privacy role reports values (<c>none</c>, <c>sensitive</c>) get a distribution, and no bar or bin shows fewer
/// than <see cref="QualityReport.MinCellRows"/> rows; names come from the contract, never from a cell.
/// </summary>
internal static class QualityReportCharts
{
    /// <summary>Most categories one chart shows (the rest are counted in its caption).</summary>
    public const int TopCategories = 12;

    public static void Overview(StringBuilder html, QualityReport report)
    {
        var rows = report.Rows;
        html.Append("<h2>At a glance</h2><div class=\"charts\">");
        html.Append(SvgChart.Bars("rows", "Rows by outcome", "outcome", "rows",
            ["kept", "fixed", "quarantined", "duplicate", "blank"],
            [new ChartBars("rows", [rows.Kept, rows.Fixed, rows.Quarantined, rows.Duplicate, rows.Blank])],
            caption: string.Create(CultureInfo.InvariantCulture, $"{rows.Read} rows read; {rows.Written} written (kept + fixed).")));
        if (report.ViolationsByRule.Count > 0)
        {
            html.Append(SvgChart.Bars("rules", "Violations by rule", "rule", "violations",
                [.. report.ViolationsByRule.Keys], [new ChartBars("violations", [.. report.ViolationsByRule.Values.Select(v => (double)v)])],
                caption: "A row with several violations counts once per violation."));
        }

        if (report.Columns.Count > 0)
        {
            var written = Math.Max(1, rows.Written);
            var read = Math.Max(1, rows.Read);
            var missing = report.Columns.Select(c => (double)c.Missing / written).ToArray();
            var invalid = report.Columns.Select(c => (double)c.Invalid / read).ToArray();
            var top = Math.Max(missing.Max(), invalid.Max());
            html.Append(SvgChart.Bars("shares", "Missing and invalid share per column", "column", "share of rows",
                [.. report.Columns.Select(c => c.Name)], [new ChartBars("missing (of rows written)", missing), new ChartBars("invalid (of rows read)", invalid)],
                new AxisRange(0, Math.Min(1, Math.Max(0.01, top * 1.25))), "Missing: empty cells among rows written. Invalid: cells that broke a rule, among all rows read.", "0.###"));
        }

        html.Append("</div>");
    }

    public static void Distributions(StringBuilder html, QualityReport report)
    {
        var figures = new StringBuilder();
        for (var i = 0; i < report.Columns.Count; i++)
        {
            var c = report.Columns[i];
            if (!ReportsValues(c))
            {
                continue;
            }

            if (c.Histogram is { } h && h.Counts.Any(n => n > 0))
            {
                var caption = string.Create(CultureInfo.InvariantCulture, $"{h.Counts.Sum() + h.SuppressedRows} values in bins of width {N(h.Width)}{(h.Dates ? " days" : "")}.")
                    + (h.SuppressedRows > 0 ? string.Create(CultureInfo.InvariantCulture, $" {h.SuppressedRows} values in bins of fewer than {QualityReport.MinCellRows} rows are not drawn.") : "");
                figures.Append(SvgChart.Histogram(Key(i, "hist"), c.Name, h.Dates ? c.Name + " (date)" : c.Name, "rows", h.Low, h.Width, [.. h.Counts], h.Dates, caption));
            }
            else if (Shown(c) is { Count: > 0 } shown)
            {
                var hidden = (c.Categories?.Count ?? 0) - shown.Count;
                figures.Append(SvgChart.Bars(Key(i, "cat"), c.Name, "category", "rows", [.. shown.Select(s => s.Key)], [new ChartBars("rows", [.. shown.Select(s => (double)s.Value)])],
                    caption: hidden > 0 ? string.Create(CultureInfo.InvariantCulture, $"{hidden} other categories (fewer than {QualityReport.MinCellRows} rows, or past the top {TopCategories}) not drawn.") : null, format: "0"));
            }
        }

        if (figures.Length > 0)
        {
            html.Append("<h2>Distributions</h2><div class=\"charts\">").Append(figures).Append("</div>");
        }
    }

    /// <summary>The categories column of the columns table: categories of at least <see cref="QualityReport.MinCellRows"/> rows.</summary>
    public static string CategoryText(ColumnReport column)
    {
        if (column.Categories is null)
        {
            return "";
        }

        var shown = column.Categories.Where(kv => kv.Value >= QualityReport.MinCellRows).ToList();
        var text = string.Join(", ", shown.Select(kv => string.Create(CultureInfo.InvariantCulture, $"{kv.Key}: {kv.Value}")));
        var small = column.Categories.Count - shown.Count;
        return small == 0 ? text : text + string.Create(CultureInfo.InvariantCulture, $"{(text.Length > 0 ? "; " : "")}{small} with fewer than {QualityReport.MinCellRows} rows");
    }

    private static List<KeyValuePair<string, long>> Shown(ColumnReport c) =>
        c.Categories is null ? [] : [.. c.Categories.Where(kv => kv.Value >= QualityReport.MinCellRows).OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).Take(TopCategories)];

    private static bool ReportsValues(ColumnReport c) => c.Privacy is "none" or "sensitive";

    private static string Key(int column, string kind) => string.Create(CultureInfo.InvariantCulture, $"col{column}-{kind}");

    private static string N(double value) => value.ToString("0.######", CultureInfo.InvariantCulture);
}
