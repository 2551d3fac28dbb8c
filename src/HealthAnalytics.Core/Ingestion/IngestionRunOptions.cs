namespace HealthAnalytics.Ingestion;

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

    /// <summary>How long one run holds its claim on an upload. A concurrent delivery that finds a live claim does
    /// nothing (<see cref="IngestionDisposition.InProgress"/>); after the claim expires, a redelivery takes the upload
    /// over (the holder's host died). Must exceed the longest run: the default, 35 min, is above host.json's
    /// <c>functionTimeout</c> (30 min), so a live run is never taken over.</summary>
    public TimeSpan ClaimTimeout { get; set; } = TimeSpan.FromMinutes(35);

    /// <summary>How often a run writes its progress (bytes and rows read) to the ledger: one conditional update per
    /// interval, never per row (docs/console.md, "Progress"). Default 4 s: the console promises growth at least every 5 s,
    /// and the first write also waits for the claim-to-loop start (measured 0.2 s on a 1 GB upload).</summary>
    public TimeSpan ProgressInterval { get; set; } = TimeSpan.FromSeconds(4);
}
