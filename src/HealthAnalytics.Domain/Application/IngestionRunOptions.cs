namespace HealthAnalytics.Domain.Application;

/// <summary>
/// Orchestration settings, bound from the <c>Ingestion</c> section (shared with the cleaner's options).
/// </summary>
public sealed class IngestionRunOptions
{
    public const string SectionName = "Ingestion";

    /// <summary>Uploads larger than this are rejected (<c>upload-size</c>) before any byte is downloaded. Default 4 GiB.</summary>
    public long MaxUploadBytes { get; set; } = 4L * 1024 * 1024 * 1024;

    /// <summary>Attempts of one upload (counted in the ledger) before it ends as <c>failed</c>. Default 5, the
    /// blob trigger's default delivery count.</summary>
    public int MaxAttempts { get; set; } = 5;
}
