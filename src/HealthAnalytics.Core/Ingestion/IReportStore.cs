namespace HealthAnalytics.Ingestion;

/// <summary>Quality reports (<c>reports/{dataset}/{uploadId}.json</c> and <c>.html</c>).</summary>
public interface IReportStore
{
    /// <summary>Writes (or overwrites: a report is a pure function of the upload) both renderings.</summary>
    Task SaveAsync(string jsonPath, ReadOnlyMemory<byte> json, string htmlPath, string html, CancellationToken cancellationToken);

    /// <summary>Opens a stored report document; null when it does not exist.</summary>
    Task<Stream?> OpenReadAsync(string path, CancellationToken cancellationToken);
}
