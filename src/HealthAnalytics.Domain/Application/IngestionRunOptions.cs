namespace HealthAnalytics.Domain.Application;

/// <summary>
/// Orchestration settings, bound from the <c>Ingestion</c> section (which the cleaner's
/// <see cref="Ingestion.IngestionOptions"/> shares; the size cap <c>MaxUploadBytes</c> lives there).
/// </summary>
public sealed class IngestionRunOptions
{
    public const string SectionName = "Ingestion";

    /// <summary>Attempts of one upload (counted in the ledger) before it ends as <c>failed</c>. Default 5, the
    /// blob trigger's default delivery count.</summary>
    public int MaxAttempts { get; set; } = 5;
}
