using System.Text;
using HealthAnalytics.Domain.Ingestion;

namespace HealthAnalytics.Integration.Tests;

/// <summary>
/// Stand-in for the domain cleaner while the orchestration is tested on its own: copies the input to the
/// "Parquet" output and counts lines. A first line of <c>REJECT</c> rejects the file; <c>THROW</c> throws
/// (with a value in the message, to prove no message reaches the ledger).
/// </summary>
public sealed class TestCleaner : IUploadCleaner
{
    public const string SecretInMessage = "PATIENT-4711";

    private int calls;

    public int Calls => Volatile.Read(ref calls);

    public async Task<QualityReport> CleanAsync(UploadRequest upload, Stream input, Stream curatedOutput, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref calls);
        using var copy = new MemoryStream();
        await input.CopyToAsync(copy, cancellationToken);
        var text = Encoding.UTF8.GetString(copy.ToArray());
        if (text.StartsWith("THROW", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"cleaner exploded on {SecretInMessage}");
        }

        var rejected = text.StartsWith("REJECT", StringComparison.Ordinal);
        if (!rejected)
        {
            copy.Position = 0;
            await copy.CopyToAsync(curatedOutput, cancellationToken);
        }

        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).LongLength;
        return new QualityReport
        {
            UploadId = upload.UploadId,
            Partner = upload.Partner,
            Dataset = upload.Dataset,
            FileName = upload.FileName,
            ContractName = upload.Contract.Name,
            ContractVersion = upload.Contract.Version,
            InputSha256 = upload.ContentSha256,
            Outcome = rejected ? UploadOutcome.Rejected : UploadOutcome.Curated,
            Rejection = rejected ? new FileRejection("test-reject", "Rejected by the test cleaner.") : null,
            Rows = new RowCounts { Read = lines - 1, Kept = rejected ? 0 : lines - 1 },
        };
    }
}
