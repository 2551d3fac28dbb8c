using System.Text;

namespace HealthAnalytics.Ingestion;

/// <summary>Stores reports in the cleaner's own formats (<see cref="QualityReportFormat"/>), so the stored JSON,
/// the HTML page and the API answer are one rendering.</summary>
public sealed class QualityReportRenderer : IReportRenderer
{
    public byte[] RenderJson(QualityReport report) => Encoding.UTF8.GetBytes(QualityReportFormat.ToJson(report));

    public string RenderHtml(QualityReport report) => QualityReportFormat.ToHtml(report);
}
