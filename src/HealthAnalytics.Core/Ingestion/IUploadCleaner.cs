namespace HealthAnalytics.Ingestion;

/// <summary>
/// Turns one partner upload into curated Parquet and a quality report. Pure domain: streams in,
/// streams out, no storage SDK. Bad data never throws; it ends in a report whose
/// <see cref="QualityReport.Outcome"/> is <see cref="UploadOutcome.Rejected"/>.
/// </summary>
public interface IUploadCleaner
{
    /// <param name="upload">Who sent what, and the contract it is checked against.</param>
    /// <param name="input">The raw bytes as uploaded (plain or gzip), read once, forward only.</param>
    /// <param name="curatedOutput">A writable stream (a local temp file) that receives the Parquet file;
    /// its content is meaningful only when the outcome is <see cref="UploadOutcome.Curated"/>.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    Task<QualityReport> CleanAsync(UploadRequest upload, Stream input, Stream curatedOutput, CancellationToken cancellationToken);
}

/// <summary>One upload to clean.</summary>
/// <param name="UploadId">Derived from partner, dataset and content hash (see docs/ingestion.md).</param>
/// <param name="Partner">First segment of the blob name.</param>
/// <param name="Dataset">Second segment of the blob name; names the contract.</param>
/// <param name="FileName">The rest of the blob name; opaque data, never a local path.</param>
/// <param name="ContentSha256">Lower-case hex SHA-256 of the uploaded bytes.</param>
/// <param name="Contract">The dataset contract in force.</param>
public sealed record UploadRequest(
    string UploadId,
    string Partner,
    string Dataset,
    string FileName,
    string ContentSha256,
    Contracts.DatasetContract Contract)
{
    /// <summary>Where the cleaner reports rows read so far (docs/console.md, "Progress"); null when nobody watches.</summary>
    public UploadProgress? Progress { get; init; }
}
