namespace HealthAnalytics.Ingestion;

/// <summary>Renders a quality report as stored JSON and as a self-contained HTML page.</summary>
public interface IReportRenderer
{
    byte[] RenderJson(QualityReport report);

    string RenderHtml(QualityReport report);
}
