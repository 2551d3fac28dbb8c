namespace HealthAnalytics.Ingestion;

/// <summary>What one ingestion event did.</summary>
/// <param name="Disposition">Whether work was done.</param>
/// <param name="UploadId">The upload id, when the upload got that far.</param>
/// <param name="Status">The ledger status after the event, when there is an entry.</param>
public sealed record IngestionResult(IngestionDisposition Disposition, string? UploadId = null, UploadStatus? Status = null);

public enum IngestionDisposition
{
    /// <summary>The upload was processed to a final status (curated, rejected).</summary>
    Processed,

    /// <summary>The ledger already held a final status for this upload id: a redelivery or the same bytes again.</summary>
    AlreadyProcessed,

    /// <summary>Nothing to do: the name is not <c>{partner}/{dataset}/{file}</c>, or the blob is gone or was replaced.</summary>
    Ignored,

    /// <summary>Every attempt failed; the ledger says <c>failed</c> with a reason and a failure report.</summary>
    Failed,

    /// <summary>Another run holds the upload (a concurrent delivery), or took it over from this one: this event
    /// did nothing. The dev-host poller retries it later; the blob trigger leaves it to the holder.</summary>
    InProgress,
}
