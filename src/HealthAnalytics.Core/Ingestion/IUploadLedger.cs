namespace HealthAnalytics.Ingestion;

/// <summary>The ingestion ledger (table <c>uploads</c>): one entry per upload id.</summary>
public interface IUploadLedger
{
    /// <summary>The entry of <paramref name="uploadId"/> in <paramref name="dataset"/>; null when absent.</summary>
    Task<UploadLedgerEntry?> GetAsync(string dataset, string uploadId, CancellationToken cancellationToken);

    /// <summary>Finds an entry by id alone (the API knows the id, not the dataset); null when absent.</summary>
    Task<UploadLedgerEntry?> FindAsync(string uploadId, CancellationToken cancellationToken);

    /// <summary>Claims the upload for processing. When an entry in a final state exists it is returned unchanged
    /// (<see cref="LedgerClaim.AlreadyFinal"/>). When another run holds a live claim (its
    /// <see cref="UploadLedgerEntry.ClaimedUntil"/> is after <paramref name="entry"/>'s <c>UpdatedAt</c>) it is
    /// returned unchanged too (<see cref="LedgerClaim.HeldByAnother"/>). Otherwise the entry is created or moved
    /// to <see cref="UploadStatus.Processing"/> with its attempt count incremented and <paramref name="entry"/>'s
    /// claim token and expiry: only one run holds an upload at a time.</summary>
    Task<LedgerClaim> ClaimAsync(UploadLedgerEntry entry, CancellationToken cancellationToken);

    /// <summary>Writes the outcome of a run (final or not: a failed attempt keeps <see cref="UploadStatus.Processing"/>),
    /// only while the run still holds its claim (same <see cref="UploadLedgerEntry.ClaimToken"/>, entry not final).
    /// The write releases the claim (<see cref="UploadLedgerEntry.ClaimedUntil"/> cleared), so after a failed attempt a
    /// redelivery may claim the upload at once instead of waiting for the claim to expire.</summary>
    /// <returns>False when the claim was lost (it expired and another run took it, or that run finished first):
    /// nothing was written.</returns>
    Task<bool> CompleteAsync(UploadLedgerEntry entry, CancellationToken cancellationToken);

    /// <summary>Records how far the run holding <paramref name="entry"/>'s claim has got (one conditional update: only
    /// while that run still holds the claim and the entry is <c>processing</c>).</summary>
    /// <returns>False when nothing was written (the claim was lost, the entry is final, or it changed meanwhile).</returns>
    Task<bool> ReportProgressAsync(UploadLedgerEntry entry, long bytes, long rows, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>Entries matching every given filter (null = any), newest first, at most <paramref name="top"/>.</summary>
    Task<IReadOnlyList<UploadLedgerEntry>> QueryAsync(string? dataset, string? partner, UploadStatus? status, int top, CancellationToken cancellationToken);
}

/// <param name="Entry">The entry after the claim (or the final one found).</param>
/// <param name="AlreadyFinal">True when the upload was already curated, rejected or failed: nothing to do.</param>
/// <param name="HeldByAnother">True when another run holds a live claim on it: this one must not work on it.</param>
public sealed record LedgerClaim(UploadLedgerEntry Entry, bool AlreadyFinal, bool HeldByAnother = false);

public enum UploadStatus
{
    Processing,
    Curated,
    Rejected,
    Failed,
}

/// <summary>One ledger entry. Holds names, counts and hashes; never a row value.</summary>
public sealed record UploadLedgerEntry
{
    public required string UploadId { get; init; }
    public required string Dataset { get; init; }
    public required string Partner { get; init; }
    /// <summary>The file name as shown (<see cref="UploadNaming.ShownFileName"/>): itself when it passes the identifier
    /// screen, else <c>hidden-</c> + a keyed hash. Never the raw name of a refused blob.</summary>
    public required string FileName { get; init; }
    public required UploadStatus Status { get; init; }

    /// <summary>A keyed hash of the blob name (<see cref="UploadNaming.SourceKey"/>): finds the blob again without the
    /// ledger holding its raw name. Null in entries written before it existed.</summary>
    public string? SourceKey { get; init; }

    /// <summary>The blob version (ETag) this entry is about; <c>*</c> for a refused name (any version is refused).</summary>
    public string? SourceETag { get; init; }
    public long SizeBytes { get; init; }

    /// <summary>Lower-case hex SHA-256 of the uploaded bytes; null when rejected before download.</summary>
    public string? ContentSha256 { get; init; }

    /// <summary>Lower-case hex SHA-256 of the curated Parquet; null unless curated.</summary>
    public string? CuratedSha256 { get; init; }
    public string? CuratedPath { get; init; }
    public string? ReportPath { get; init; }
    public string? HtmlReportPath { get; init; }

    /// <summary>Rule id of a rejection (e.g. <c>no-contract</c>); null otherwise.</summary>
    public string? RejectionRule { get; init; }

    /// <summary>Why the last attempt failed: an exception type, never a value or a message.</summary>
    public string? FailureReason { get; init; }
    public int Attempts { get; init; }

    /// <summary>Random token of the run holding the upload (one per run, never derived from data).</summary>
    public string? ClaimToken { get; init; }

    /// <summary>Until when that run's claim holds; after it, a redelivery may take the upload over (the
    /// holder's host died). Null once released (a failed attempt, or a final status).</summary>
    public DateTimeOffset? ClaimedUntil { get; init; }
    public long RowsRead { get; init; }
    public long RowsWritten { get; init; }
    public long RowsQuarantined { get; init; }
    public long RowsDuplicate { get; init; }
    public long RowsBlank { get; init; }
    public long RowsFixed { get; init; }

    /// <summary>While <c>processing</c>: bytes of the upload the cleaner has read (of <see cref="SizeBytes"/>), as of
    /// <see cref="ProgressAt"/>; when final, all bytes read.</summary>
    public long ProgressBytes { get; init; }

    /// <summary>While <c>processing</c>: rows read so far, as of <see cref="ProgressAt"/>; when final, <see cref="RowsRead"/>.</summary>
    public long ProgressRows { get; init; }

    /// <summary>When the progress was last written; null before the first write of the current attempt.</summary>
    public DateTimeOffset? ProgressAt { get; init; }
    public DateTimeOffset ReceivedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
}
