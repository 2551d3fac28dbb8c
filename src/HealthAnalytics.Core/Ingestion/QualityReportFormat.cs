using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using HealthAnalytics.Reporting;

namespace HealthAnalytics.Ingestion;

/// <summary>How a <see cref="QualityReport"/> is written: JSON (camelCase, enums as camelCase strings) and HTML.</summary>
public static class QualityReportFormat
{
    public static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static string ToJson(QualityReport report) => JsonSerializer.Serialize(report, JsonOptions);

    /// <summary>The page's one style sheet (constant, so a host that frames the page can allow it by hash: docs/console.md).</summary>
    public const string StyleSheet =
        "body{font-family:system-ui,sans-serif;margin:2rem;color:#222}table{border-collapse:collapse;margin:1rem 0}" +
        "td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left}th{background:#f3f3f3}" +
        ".curated{color:#11692b}.rejected{color:#a31515}" +
        ".charts{display:flex;flex-wrap:wrap;gap:1rem}figure.chart{margin:0;break-inside:avoid}figure.chart svg{max-width:100%;height:auto}" +
        "figcaption{font-size:.85rem;color:#444;max-width:36rem}" +
        "@media print{body{margin:0}h2{break-after:avoid}table,figure{break-inside:avoid}}";

    /// <summary>
    /// A self-contained HTML page (inline CSS, no script, no external resource). Every text is
    /// HTML-encoded, so a header or file name such as <c>=cmd|' /C calc'!A0</c> or <c>&lt;script&gt;</c> is
    /// shown as inert text; nothing here is ever a spreadsheet formula or markup.
    /// </summary>
    public static string ToHtml(QualityReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var sb = new StringBuilder(8192);
        static string E(object? value) => WebUtility.HtmlEncode(Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty);
        static string N(double? value) => value is { } v ? v.ToString("0.###", CultureInfo.InvariantCulture) : "";
        sb.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">")
          .Append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\"><link rel=\"icon\" href=\"data:,\">")
          .Append("<title>Quality report ").Append(E(report.UploadId)).Append("</title><style>")
          .Append(StyleSheet).Append("</style></head><body>");
        sb.Append("<h1>Quality report</h1><p class=\"").Append(report.Outcome == UploadOutcome.Curated ? "curated" : "rejected").Append("\"><strong>")
          .Append(E(report.Outcome.ToString().ToLowerInvariant())).Append("</strong></p>");
        sb.Append("<table><tbody>");
        void Row(string k, object? v) => sb.Append("<tr><th>").Append(E(k)).Append("</th><td>").Append(E(v)).Append("</td></tr>");
        Row("upload", report.UploadId);
        Row("partner", report.Partner);
        Row("dataset", report.Dataset);
        Row("file", report.FileName);
        Row("contract", $"{report.ContractName} {report.ContractVersion}");
        Row("sha-256", report.InputSha256);
        Row("started", report.StartedAt.ToString("u", CultureInfo.InvariantCulture));
        Row("duration (ms)", N(report.DurationMs));
        if (report.Dialect is { } d)
        {
            Row("dialect", $"{d.Encoding}{(d.ByteOrderMark ? " (BOM)" : "")}, delimiter {(d.Delimiter == "\t" ? "tab" : d.Delimiter)}, decimal {d.DecimalSeparator}, compression {d.Compression}");
        }

        Row("k-anonymity", report.KAnonymity?.ToString(CultureInfo.InvariantCulture) ?? "n/a");
        Row("quasi-identifiers", string.Join(", ", report.QuasiIdentifiers));
        Row("pseudonym key id", report.PseudonymKeyId);
        sb.Append("</tbody></table>");
        if (report.Rejection is { } r)
        {
            sb.Append("<h2>Rejection</h2><table><tbody>");
            Row("rule", r.Rule);
            Row("message", r.Message);
            Row("line", r.Line);
            Row("column", r.Column);
            Row("byte offset", r.ByteOffset);
            sb.Append("</tbody></table>");
        }

        var rows = report.Rows;
        sb.Append("<h2>Rows</h2><table><thead><tr><th>read</th><th>written</th><th>kept</th><th>fixed</th><th>quarantined</th><th>duplicate</th><th>blank</th></tr></thead><tbody><tr>");
        foreach (var v in new[] { rows.Read, rows.Written, rows.Kept, rows.Fixed, rows.Quarantined, rows.Duplicate, rows.Blank })
        {
            sb.Append("<td>").Append(v.ToString(CultureInfo.InvariantCulture)).Append("</td>");
        }

        sb.Append("</tr></tbody></table>");
        if (report.Outcome == UploadOutcome.Curated)
        {
            QualityReportCharts.Overview(sb, report);
        }

        if (report.ViolationsByRule.Count > 0)
        {
            sb.Append("<h2>Violations by rule</h2><table><tbody>");
            foreach (var (rule, count) in report.ViolationsByRule)
            {
                Row(rule, count);
            }

            sb.Append("</tbody></table>");
        }

        ByColumnAndRule("Read as missing (tokens, missingWhen; not violations)", report.MissingByRule, c => c.MissingByRule);
        ByColumnAndRule("Invalid cells set missing (onInvalid: set-missing; fixes)", report.SetMissingByRule, c => c.SetMissingByRule);
        void ByColumnAndRule(string title, IDictionary<string, long> totals, Func<ColumnReport, IDictionary<string, long>?> perColumn)
        {
            if (totals.Count == 0)
            {
                return;
            }

            sb.Append("<h2>").Append(E(title)).Append("</h2><table><thead><tr><th>column</th><th>rule</th><th>cells</th></tr></thead><tbody>");
            foreach (var c in report.Columns)
            {
                foreach (var (rule, count) in perColumn(c) ?? new Dictionary<string, long>())
                {
                    sb.Append("<tr><td>").Append(E(c.Name)).Append("</td><td>").Append(E(rule)).Append("</td><td>").Append(count).Append("</td></tr>");
                }
            }

            sb.Append("</tbody></table>");
        }

        if (report.Columns.Count > 0)
        {
            sb.Append("<h2>Columns</h2><table><thead><tr><th>column</th><th>type</th><th>privacy</th><th>missing</th><th>invalid</th><th>fixed</th><th>min</th><th>max</th><th>mean</th><th>categories</th></tr></thead><tbody>");
            foreach (var c in report.Columns)
            {
                var categories = QualityReportCharts.CategoryText(c);
                sb.Append("<tr><td>").Append(E(c.Name)).Append("</td><td>").Append(E(c.Type)).Append("</td><td>").Append(E(c.Privacy))
                  .Append("</td><td>").Append(c.Missing).Append("</td><td>").Append(c.Invalid).Append("</td><td>").Append(c.Fixed)
                  .Append("</td><td>").Append(N(c.Min)).Append("</td><td>").Append(N(c.Max)).Append("</td><td>").Append(N(c.Mean))
                  .Append("</td><td>").Append(E(categories)).Append("</td></tr>");
            }

            sb.Append("</tbody></table>");
            QualityReportCharts.Distributions(sb, report);
        }

        if (report.UnknownColumns.Count > 0)
        {
            sb.Append("<h2>Unknown columns (dropped)</h2><table><thead><tr><th>position</th><th>normalized name</th></tr></thead><tbody>");
            foreach (var u in report.UnknownColumns)
            {
                sb.Append("<tr><td>").Append(u.Position).Append("</td><td>").Append(E(u.Shown)).Append("</td></tr>");
            }

            sb.Append("</tbody></table>");
        }

        if (report.Privacy is { } privacy)
        {
            sb.Append("<h2>Privacy in force</h2>");
            if (privacy.Waivers > 0)
            {
                sb.Append("<p class=\"rejected\"><strong>").Append(privacy.Waivers)
                  .Append(" column(s) kept without pseudonymization under a privacy waiver.</strong></p>");
            }

            sb.Append("<table><thead><tr><th>column</th><th>privacy</th><th>generalization</th><th>waiver</th></tr></thead><tbody>");
            foreach (var role in privacy.Roles)
            {
                var waiver = role.Waiver is { } w ? $"{w.Reason} (approved by {w.ApprovedBy})" : "";
                sb.Append("<tr><td>").Append(E(role.Column)).Append("</td><td>").Append(E(role.Privacy)).Append("</td><td>")
                  .Append(E(role.Generalization)).Append("</td><td>").Append(E(waiver)).Append("</td></tr>");
            }

            sb.Append("</tbody></table>");
        }

        if (report.RejectedRows.Count > 0)
        {
            sb.Append("<h2>First quarantined rows</h2><table><thead><tr><th>line</th><th>violations</th></tr></thead><tbody>");
            foreach (var row in report.RejectedRows)
            {
                sb.Append("<tr><td>").Append(row.Line).Append("</td><td>")
                  .Append(E(string.Join("; ", row.Violations.Select(v => v.Column is null ? v.Rule : $"{v.Column}: {v.Rule}")))).Append("</td></tr>");
            }

            sb.Append("</tbody></table>");
        }

        sb.Append("</body></html>");
        return sb.ToString();
    }
}
