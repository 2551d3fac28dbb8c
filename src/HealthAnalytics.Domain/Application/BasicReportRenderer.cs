using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using HealthAnalytics.Domain.Ingestion;
using HealthAnalytics.Domain.Ports;

namespace HealthAnalytics.Domain.Application;

/// <summary>
/// Fallback rendering of a quality report: camelCase JSON and a plain, fully HTML-encoded page. The cleaner's
/// renderer replaces it when registered before <c>AddIngestion()</c>.
/// </summary>
public sealed class BasicReportRenderer : IReportRenderer
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    private static readonly JsonSerializerOptions IndentedJson = new(Json) { WriteIndented = true };

    public byte[] RenderJson(QualityReport report) => JsonSerializer.SerializeToUtf8Bytes(report, Json);

    public string RenderHtml(QualityReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var html = new StringBuilder();
        html.Append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Quality report ")
            .Append(WebUtility.HtmlEncode(report.UploadId))
            .Append("</title></head><body><h1>Quality report</h1><pre>")
            .Append(WebUtility.HtmlEncode(JsonSerializer.Serialize(report, IndentedJson)))
            .Append("</pre></body></html>");
        return html.ToString();
    }
}
