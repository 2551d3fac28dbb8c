using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using HealthAnalytics.Contracts;
using HealthAnalytics.Curated;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HealthAnalytics.Ingestion;

/// <summary>
/// The flow of one upload (docs/ingestion.md "Flow of one upload"), shared by the blob trigger and the dev
/// host's poller. Idempotent on (partner, dataset, content hash). Bad data ends in a <c>rejected</c> report;
/// an unexpected exception is rethrown so the host retries, until <see cref="IngestionRunOptions.MaxAttempts"/>
/// attempts are recorded and the upload ends as <c>failed</c> with a failure report. One run at a time holds an
/// upload through its ledger claim (docs/reliability.md): a concurrent delivery returns
/// <see cref="IngestionDisposition.InProgress"/>, and a dead host's claim is taken over once it expires.
/// </summary>
public sealed partial class IngestionService
{
    /// <summary>Rule of the failure report of an upload that ran out of attempts.</summary>
    public const string FailedRule = "ingestion-failed";

    /// <summary>Rule of an upload whose blob name is refused (docs/ingestion.md, "Blob names").</summary>
    public const string NameRule = "blob-name";

    private const int CopyBufferBytes = 1 << 20;
    private readonly IUploadSource uploads;
    private readonly ICuratedStore curated;
    private readonly IReportStore reports;
    private readonly IUploadLedger ledger;
    private readonly IDatasetContractProvider contracts;
    private readonly IUploadCleaner cleaner;
    private readonly IReportRenderer renderer;
    private readonly IOptions<IngestionOptions> limits;
    private readonly IOptions<IngestionRunOptions> options;
    private readonly Pseudonymizer pseudonymizer;
    private readonly TimeProvider time;
    private readonly ILogger<IngestionService> log;
    private readonly string scratch;

    // Contract versions whose privacy waivers were logged by this instance (once per version, docs/contracts.md).
    private readonly ConcurrentDictionary<(string Name, string Version), bool> waiversLogged = new();

    /// <summary>Also removes the scratch files a stopped run left (<see cref="IngestionScratch"/>): the service is a
    /// singleton both hosts create at start.</summary>
    public IngestionService(
        IUploadSource uploads,
        ICuratedStore curated,
        IReportStore reports,
        IUploadLedger ledger,
        IDatasetContractProvider contracts,
        IUploadCleaner cleaner,
        IReportRenderer renderer,
        IOptions<IngestionOptions> limits,
        IOptions<IngestionRunOptions> options,
        Pseudonymizer pseudonymizer,
        TimeProvider time,
        ILogger<IngestionService> log)
    {
        ArgumentNullException.ThrowIfNull(limits);
        this.uploads = uploads;
        this.curated = curated;
        this.reports = reports;
        this.ledger = ledger;
        this.contracts = contracts;
        this.cleaner = cleaner;
        this.renderer = renderer;
        this.limits = limits;
        this.options = options;
        this.pseudonymizer = pseudonymizer;
        this.time = time;
        this.log = log;
        scratch = IngestionScratch.Folder(limits.Value);
        var (files, bytes) = IngestionScratch.RemoveStale(scratch, time.GetUtcNow());
        if (files > 0)
        {
            LogScratchRemoved(log, files, bytes);
        }
    }

    /// <summary>Processes the upload named <paramref name="blobName"/> in the uploads container.</summary>
    public async Task<IngestionResult> IngestAsync(string blobName, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(blobName);
        var stopwatch = Stopwatch.StartNew();
        if (UploadNaming.Problem(blobName) is { } problem || !UploadNaming.TryParse(blobName, out var name))
        {
            // Never opened: the SDK and the service resolve dot segments, so the name could address another blob.
            return await RefuseNameAsync(blobName, UploadNaming.Problem(blobName) ?? "the name is malformed", cancellationToken);
        }

        var properties = await uploads.GetPropertiesAsync(blobName, cancellationToken);
        if (properties is null)
        {
            LogGone(log);
            return new IngestionResult(IngestionDisposition.Ignored);
        }

        var limit = limits.Value.MaxUploadBytes;
        if (properties.Size > limit)
        {
            return await RejectUnreadAsync(UnreadEntry(name, properties), properties.Size, "upload-size",
                string.Create(CultureInfo.InvariantCulture, $"The upload is {properties.Size} bytes; the limit is {limit} bytes."),
                cancellationToken);
        }

        var contract = await contracts.FindAsync(name.Dataset, cancellationToken);
        if (contract is null)
        {
            return await RejectUnreadAsync(UnreadEntry(name, properties), properties.Size, "no-contract", "No dataset contract exists for this dataset.", cancellationToken);
        }

        LogWaiversOnce(contract);

        var inputPath = NewTempPath();
        var parquetPath = NewTempPath();
        try
        {
            await using var input = OpenTemp(inputPath);
            string contentSha256;
            try
            {
                contentSha256 = await DownloadAsync(properties, input, cancellationToken);
            }
            catch (UploadChangedException)
            {
                // The newer version of the blob raises its own event; this one is obsolete.
                LogSuperseded(log, properties.Size);
                return new IngestionResult(IngestionDisposition.Ignored);
            }

            var uploadId = UploadNaming.UploadId(name.Partner, name.Dataset, contentSha256);
            var claim = await ledger.ClaimAsync(NewEntry(name, properties, uploadId, contentSha256), cancellationToken);
            if (NotOurs(claim) is { } skipped)
            {
                return skipped;
            }

            var progress = new UploadProgress();
            var request = new UploadRequest(uploadId, name.Partner, name.Dataset, name.FileName, contentSha256, contract) { Progress = progress };
            try
            {
                input.Position = 0;
                await using var parquet = OpenTemp(parquetPath);
                var entry = await CleanAndCommitWithProgressAsync(claim.Entry, request, input, parquet, progress, cancellationToken);
                if (entry is null)
                {
                    return await ClaimLostAsync(claim.Entry);
                }

                LogCompleted(log, uploadId, entry.Status, entry.RowsRead, entry.RowsWritten, entry.RowsQuarantined, stopwatch.ElapsedMilliseconds);
                return new IngestionResult(IngestionDisposition.Processed, uploadId, entry.Status);
            }
            catch (Exception ex) when (!(ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
            {
                return await RecordFailureAsync(claim.Entry, request, ex);
            }
        }
        finally
        {
            DeleteQuietly(inputPath);
            DeleteQuietly(parquetPath);
        }
    }

    /// <summary>Ends a stalled upload whose blob no longer holds its bytes (deleted, or replaced while no run held
    /// it) as <c>failed</c> with a failure report: nothing is left to ingest, and the new bytes, if any, are an
    /// upload of their own. A no-op when the entry is final or another run holds it.</summary>
    public async Task<IngestionResult> AbandonAsync(UploadLedgerEntry stalled, string reason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stalled);
        var claim = await ledger.ClaimAsync(WithNewClaim(stalled, time.GetUtcNow()), cancellationToken);
        if (NotOurs(claim) is { } skipped)
        {
            return skipped;
        }

        if (!await EndFailedAsync(claim.Entry, request: null, reason, cancellationToken))
        {
            return await ClaimLostAsync(claim.Entry);
        }

        LogFailed(log, claim.Entry.UploadId, claim.Entry.Attempts, reason);
        return new IngestionResult(IngestionDisposition.Failed, claim.Entry.UploadId, UploadStatus.Failed);
    }

    /// <summary>The ledger refused a write: the claim is no longer ours. Reports what the ledger holds now.</summary>
    private async Task<IngestionResult> ClaimLostAsync(UploadLedgerEntry entry)
    {
        LogClaimLost(log, entry.UploadId);
        var current = await ledger.GetAsync(entry.Dataset, entry.UploadId, CancellationToken.None);
        return current is { Status: not UploadStatus.Processing }
            ? new IngestionResult(IngestionDisposition.AlreadyProcessed, entry.UploadId, current.Status)
            : new IngestionResult(IngestionDisposition.InProgress, entry.UploadId, UploadStatus.Processing);
    }

    /// <summary>The result to return when the claim says this run must not work on the upload; null when it may.</summary>
    private IngestionResult? NotOurs(LedgerClaim claim)
    {
        if (claim.AlreadyFinal)
        {
            LogAlreadyProcessed(log, claim.Entry.UploadId, claim.Entry.Status);
            return new IngestionResult(IngestionDisposition.AlreadyProcessed, claim.Entry.UploadId, claim.Entry.Status);
        }

        if (claim.HeldByAnother)
        {
            // A concurrent delivery of the same upload is running it; its outcome is the upload's outcome.
            LogHeldByAnother(log, claim.Entry.UploadId);
            return new IngestionResult(IngestionDisposition.InProgress, claim.Entry.UploadId, UploadStatus.Processing);
        }

        return null;
    }

    /// <summary>Runs the cleaner and the commit while a loop publishes the progress to the ledger every
    /// <see cref="IngestionRunOptions.ProgressInterval"/> (docs/console.md, "Progress"). The loop lasts until the final
    /// ledger write, so the totals of the last bytes read appear while the Parquet and the report are committed.</summary>
    /// <returns>The final entry, or null when the claim was lost to another run.</returns>
    private async Task<UploadLedgerEntry?> CleanAndCommitWithProgressAsync(UploadLedgerEntry claimed, UploadRequest request, Stream input, FileStream parquet, UploadProgress progress, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var publishing = PublishProgressAsync(claimed, progress, stop.Token);
        try
        {
            var report = await cleaner.CleanAsync(request, new ProgressCountingStream(input, progress), parquet, cancellationToken);
            return await CommitAsync(claimed, report, parquet, progress, cancellationToken);
        }
        finally
        {
            await stop.CancelAsync();
            await publishing;
        }
    }

    /// <summary>One conditional ledger update per interval while the bytes or rows moved; never throws (progress is
    /// information, not part of the outcome: a failed write is logged and the next interval tries again).</summary>
    private async Task PublishProgressAsync(UploadLedgerEntry claimed, UploadProgress progress, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(options.Value.ProgressInterval, time);
        long lastBytes = -1, lastRows = -1;
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                var (bytes, rows) = (progress.Bytes, progress.Rows);
                if (bytes == lastBytes && rows == lastRows)
                {
                    continue;
                }

                try
                {
                    if (await ledger.ReportProgressAsync(claimed, bytes, rows, time.GetUtcNow(), stop))
                    {
                        (lastBytes, lastRows) = (bytes, rows);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogProgressFailed(log, claimed.UploadId, ex.GetType().Name);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The upload was committed (or the run was cancelled): the final ledger write carries the totals.
        }
    }

    /// <returns>The final entry, or null when the claim was lost to another run (nothing written to the ledger).</returns>
    private async Task<UploadLedgerEntry?> CommitAsync(UploadLedgerEntry claimed, QualityReport report, FileStream parquet, UploadProgress progress, CancellationToken cancellationToken)
    {
        string? curatedPath = null;
        string? curatedSha256 = null;
        if (report.Outcome == UploadOutcome.Curated)
        {
            await parquet.FlushAsync(cancellationToken);
            parquet.Position = 0;
            curatedSha256 = Convert.ToHexStringLower(await SHA256.HashDataAsync(parquet, cancellationToken));
            parquet.Position = 0;
            curatedPath = UploadNaming.CuratedPath(claimed.Dataset, claimed.Partner, claimed.UploadId);
            if (await curated.CreateIfNotExistsAsync(curatedPath, parquet, cancellationToken) == CuratedWrite.AlreadyExisted)
            {
                // A previous attempt committed the Parquet and crashed before the ledger update: the redo is a no-op.
                LogCuratedExisted(log, claimed.UploadId);
            }
        }

        var (jsonPath, htmlPath) = await SaveReportAsync(claimed.Dataset, claimed.UploadId, report, cancellationToken);
        var final = claimed with
        {
            Status = report.Outcome == UploadOutcome.Curated ? UploadStatus.Curated : UploadStatus.Rejected,
            CuratedPath = curatedPath,
            CuratedSha256 = curatedSha256,
            ReportPath = jsonPath,
            HtmlReportPath = htmlPath,
            RejectionRule = report.Rejection?.Rule,
            FailureReason = null,
            RowsRead = report.Rows.Read,
            RowsWritten = report.Rows.Written,
            RowsQuarantined = report.Rows.Quarantined,
            RowsDuplicate = report.Rows.Duplicate,
            RowsBlank = report.Rows.Blank,
            RowsFixed = report.Rows.Fixed,
            ProgressBytes = progress.Bytes,
            ProgressRows = report.Rows.Read,
            ProgressAt = time.GetUtcNow(),
            UpdatedAt = time.GetUtcNow(),
        };

        // The report is written before the ledger says final: a crash in between leaves `processing` and the
        // redelivery rewrites the same report, so a final ledger entry always points at its report.
        return await ledger.CompleteAsync(final, cancellationToken) ? final : null;
    }

    /// <summary>
    /// A blob name that breaks the naming rule: a <c>rejected</c> ledger entry (rule <see cref="NameRule"/>) and a
    /// report, under an id derived from a keyed hash of the name, with the partner and dataset only when they are plain
    /// and the file name hashed. Nothing is read from storage under that name.
    /// </summary>
    private async Task<IngestionResult> RefuseNameAsync(string blobName, string problem, CancellationToken cancellationToken)
    {
        var segments = blobName.Split('/');
        string Plain(int i, Func<string, bool> ok) => segments.Length >= 3 && ok(segments[i]) && !IdentifierPatterns.LooksLikeData(segments[i]) ? segments[i] : string.Empty;
        var now = time.GetUtcNow();
        var entry = WithNewClaim(new UploadLedgerEntry
        {
            UploadId = UploadNaming.RefusedNameUploadId(blobName, pseudonymizer.Pseudonymize),
            Partner = Plain(0, p => UploadNaming.SafeSegment(p) == p),
            Dataset = Plain(1, ConfigNames.IsValid),
            FileName = UploadNaming.HiddenName(blobName, pseudonymizer.Pseudonymize),
            SourceKey = UploadNaming.SourceKey(blobName, pseudonymizer.Pseudonymize),
            SourceETag = "*",
            Status = UploadStatus.Processing,
            ReceivedAt = now,
        }, now);
        var result = await RejectUnreadAsync(entry, 0, NameRule,
            $"The blob name was refused: {problem}. Upload files as {{partner}}/{{dataset}}/{{file}}, three plain segments with no " +
            "'.' or '..' segment, no encoded or look-alike separators and no control characters.", cancellationToken);
        LogRefusedName(log, entry.UploadId, problem);
        return result;
    }

    private async Task<IngestionResult> RejectUnreadAsync(UploadLedgerEntry entry, long sizeBytes, string rule, string message, CancellationToken cancellationToken)
    {
        var uploadId = entry.UploadId;
        var claim = await ledger.ClaimAsync(entry, cancellationToken);
        if (NotOurs(claim) is { } skipped)
        {
            return skipped;
        }

        try
        {
            var report = new QualityReport
            {
                UploadId = uploadId,
                Partner = entry.Partner,
                Dataset = entry.Dataset,
                FileName = entry.FileName,
                ContractName = string.Empty,
                ContractVersion = string.Empty,
                InputSha256 = string.Empty,
                Outcome = UploadOutcome.Rejected,
                Rejection = new FileRejection(rule, message),
                StartedAt = time.GetUtcNow(),
            };
            var (jsonPath, htmlPath) = await SaveReportAsync(entry.Dataset, uploadId, report, cancellationToken);
            var written = await ledger.CompleteAsync(claim.Entry with
            {
                Status = UploadStatus.Rejected,
                RejectionRule = rule,
                ReportPath = jsonPath,
                HtmlReportPath = htmlPath,
                FailureReason = null,
                UpdatedAt = time.GetUtcNow(),
            }, cancellationToken);
            if (!written)
            {
                return await ClaimLostAsync(claim.Entry);
            }

            LogRejectedUnread(log, uploadId, rule, sizeBytes);
            return new IngestionResult(IngestionDisposition.Processed, uploadId, UploadStatus.Rejected);
        }
        catch (Exception ex) when (!(ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            return await RecordFailureAsync(claim.Entry, request: null, ex);
        }
    }

    private async Task<(string Json, string Html)> SaveReportAsync(string dataset, string uploadId, QualityReport report, CancellationToken cancellationToken)
    {
        var jsonPath = UploadNaming.ReportJsonPath(dataset, uploadId);
        var htmlPath = UploadNaming.ReportHtmlPath(dataset, uploadId);
        await reports.SaveAsync(jsonPath, renderer.RenderJson(report), htmlPath, renderer.RenderHtml(report), cancellationToken);
        return (jsonPath, htmlPath);
    }

    /// <summary>Records a failed attempt. Below the attempt budget the claim is released and the exception is
    /// rethrown so the host redelivers; at the budget the upload ends as <c>failed</c> with a failure report. The
    /// reason is the exception type only: messages may quote names or values.</summary>
    private async Task<IngestionResult> RecordFailureAsync(UploadLedgerEntry entry, UploadRequest? request, Exception exception)
    {
        var exhausted = entry.Attempts >= options.Value.MaxAttempts;
        var reason = exception.GetType().Name;
        var written = false;
        try
        {
            written = exhausted
                ? await EndFailedAsync(entry, request, reason, CancellationToken.None)
                : await ledger.CompleteAsync(entry with
                {
                    Status = UploadStatus.Processing,
                    FailureReason = reason,
                    UpdatedAt = time.GetUtcNow(),
                }, CancellationToken.None);
            if (!written)
            {
                // Another run took the upload over, or this run had already recorded the final status before the
                // failure: that outcome stands and this failure is moot.
                return await ClaimLostAsync(entry);
            }
        }
        catch (Exception ledgerError)
        {
            // Nothing recorded: the claim expires by itself, and the rethrow below (or the host's own retry)
            // redelivers. An exhausted upload is rethrown too, so that it is not left `processing` silently.
            LogLedgerWriteFailed(log, entry.UploadId, ledgerError.GetType().Name);
        }

        if (!exhausted || !written)
        {
            LogAttemptFailed(log, entry.UploadId, entry.Attempts, reason);
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(exception);
        }

        LogFailed(log, entry.UploadId, entry.Attempts, reason);
        return new IngestionResult(IngestionDisposition.Failed, entry.UploadId, UploadStatus.Failed);
    }

    /// <summary>Ends the upload as <c>failed</c> with a failure report. False when the claim was lost (nothing
    /// written to the ledger).</summary>
    private async Task<bool> EndFailedAsync(UploadLedgerEntry entry, UploadRequest? request, string reason, CancellationToken cancellationToken)
    {
        var (jsonPath, htmlPath) = await SaveReportAsync(entry.Dataset, entry.UploadId, FailureReport(entry, request, reason), cancellationToken);
        return await ledger.CompleteAsync(entry with
        {
            Status = UploadStatus.Failed,
            FailureReason = reason,
            ReportPath = jsonPath,
            HtmlReportPath = htmlPath,
            UpdatedAt = time.GetUtcNow(),
        }, cancellationToken);
    }

    private static QualityReport FailureReport(UploadLedgerEntry entry, UploadRequest? request, string reason) => new()
    {
        UploadId = entry.UploadId,
        Partner = entry.Partner,
        Dataset = entry.Dataset,
        FileName = entry.FileName,
        ContractName = request?.Contract.Name ?? string.Empty,
        ContractVersion = request?.Contract.Version ?? string.Empty,
        InputSha256 = entry.ContentSha256 ?? string.Empty,
        Privacy = request is null ? null : PrivacyInForce.Of(request.Contract),
        Outcome = UploadOutcome.Failed,
        Rejection = new FileRejection(FailedRule, string.Create(CultureInfo.InvariantCulture,
            $"Processing failed {entry.Attempts} times ({reason}); no curated output was committed. Fix the cause, then delete the ledger entry to retry.")),
        StartedAt = entry.ReceivedAt,
    };

    private async Task<string> DownloadAsync(UploadProperties properties, FileStream destination, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = ArrayPool<byte>.Shared.Rent(CopyBufferBytes);
        try
        {
            await using var source = await uploads.OpenReadAsync(properties.Name, properties.ETag, cancellationToken);
            long total = 0;
            int read;
            while ((read = await source.ReadAsync(buffer.AsMemory(0, CopyBufferBytes), cancellationToken)) > 0)
            {
                total += read;
                if (total > properties.Size)
                {
                    // More bytes than the version we sized: it cannot be the same blob.
                    throw new UploadChangedException();
                }

                hash.AppendData(buffer, 0, read);
                await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            }

            await destination.FlushAsync(cancellationToken);
            return Convert.ToHexStringLower(hash.GetHashAndReset());
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The entry of an upload refused before its bytes were read (over-size, no contract).</summary>
    private UploadLedgerEntry UnreadEntry(UploadName name, UploadProperties properties)
        => NewEntry(name, properties, UploadNaming.UnreadUploadId(name.Partner, name.Dataset, name.BlobName, properties.ETag), contentSha256: null);

    private UploadLedgerEntry NewEntry(UploadName name, UploadProperties properties, string uploadId, string? contentSha256)
    {
        var now = time.GetUtcNow();
        return WithNewClaim(new UploadLedgerEntry
        {
            UploadId = uploadId,
            Dataset = name.Dataset,
            Partner = name.Partner,
            FileName = UploadNaming.ShownFileName(name.FileName, pseudonymizer.Pseudonymize),
            SourceKey = UploadNaming.SourceKey(name.BlobName, pseudonymizer.Pseudonymize),
            SourceETag = UploadNaming.PlainETag(properties.ETag),
            Status = UploadStatus.Processing,
            SizeBytes = properties.Size,
            ContentSha256 = contentSha256,
            ReceivedAt = now,
        }, now);
    }

    /// <summary>The entry as a new run's claim request: <c>processing</c>, a fresh random token, held for
    /// <see cref="IngestionRunOptions.ClaimTimeout"/> from <paramref name="now"/>.</summary>
    private UploadLedgerEntry WithNewClaim(UploadLedgerEntry entry, DateTimeOffset now) => entry with
    {
        Status = UploadStatus.Processing,
        UpdatedAt = now,
        ClaimToken = Guid.NewGuid().ToString("N"),
        ClaimedUntil = now + options.Value.ClaimTimeout,
    };

    // Random names in the scratch folder: nothing from the blob name ever reaches the file system.
    private string NewTempPath() => IngestionScratch.NewPath(scratch);

    /// <summary>Logs the privacy waivers of a contract version once per instance: by JSON path, never the waiver's
    /// text or a value (the reports state the waivers in full).</summary>
    private void LogWaiversOnce(DatasetContract contract)
    {
        var waived = contract.Columns.Select((c, i) => (c, i)).Where(p => p.c.PrivacyWaiver is not null).Select(p => $"$.columns[{p.i}]").ToList();
        if (waived.Count > 0 && waiversLogged.TryAdd((contract.Name, contract.Version), true))
        {
            LogWaivers(log, contract.Name, contract.Version, waived.Count, string.Join(", ", waived));
        }
    }

    private static FileStream OpenTemp(string path) => new(path, new FileStreamOptions
    {
        Mode = FileMode.CreateNew,
        Access = FileAccess.ReadWrite,
        Share = FileShare.None,
        BufferSize = 1 << 16,
        Options = FileOptions.Asynchronous | FileOptions.DeleteOnClose,
    });

    private static void DeleteQuietly(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // DeleteOnClose already removes it; this is the backstop for a stream that never opened.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    [LoggerMessage(EventId = 1000, Level = LogLevel.Warning, Message = "Upload {UploadId} refused: {Problem}")]
    private static partial void LogRefusedName(ILogger logger, string uploadId, string problem);

    [LoggerMessage(EventId = 1030, Level = LogLevel.Warning, Message = "Contract {Contract} {Version} keeps {Count} columns without pseudonymization under a privacy waiver: {Paths}")]
    private static partial void LogWaivers(ILogger logger, string contract, string version, int count, string paths);

    [LoggerMessage(EventId = 1031, Level = LogLevel.Information, Message = "Removed {Files} scratch files ({Bytes} bytes) left by a stopped ingestion run")]
    private static partial void LogScratchRemoved(ILogger logger, int files, long bytes);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Upload ignored: the blob no longer exists")]
    private static partial void LogGone(ILogger logger);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Upload ignored: the blob ({SizeBytes} bytes) changed while being read")]
    private static partial void LogSuperseded(ILogger logger, long sizeBytes);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "Upload {UploadId} already {Status}: nothing to do")]
    private static partial void LogAlreadyProcessed(ILogger logger, string uploadId, UploadStatus status);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Information, Message = "Upload {UploadId} {Status}: {RowsRead} rows read, {RowsWritten} written, {RowsQuarantined} quarantined in {ElapsedMs} ms")]
    private static partial void LogCompleted(ILogger logger, string uploadId, UploadStatus status, long rowsRead, long rowsWritten, long rowsQuarantined, long elapsedMs);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Information, Message = "Upload {UploadId} rejected before download ({Rule}, {SizeBytes} bytes)")]
    private static partial void LogRejectedUnread(ILogger logger, string uploadId, string rule, long sizeBytes);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Information, Message = "Upload {UploadId}: curated output already committed by an earlier attempt")]
    private static partial void LogCuratedExisted(ILogger logger, string uploadId);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Warning, Message = "Upload {UploadId} attempt {Attempt} failed ({Reason}); the host will retry")]
    private static partial void LogAttemptFailed(ILogger logger, string uploadId, int attempt, string reason);

    [LoggerMessage(EventId = 1008, Level = LogLevel.Error, Message = "Upload {UploadId} failed after {Attempts} attempts ({Reason})")]
    private static partial void LogFailed(ILogger logger, string uploadId, int attempts, string reason);

    [LoggerMessage(EventId = 1009, Level = LogLevel.Error, Message = "Upload {UploadId}: recording the failure in the ledger failed ({Reason})")]
    private static partial void LogLedgerWriteFailed(ILogger logger, string uploadId, string reason);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Information, Message = "Upload {UploadId} is being processed by another run: nothing to do")]
    private static partial void LogHeldByAnother(ILogger logger, string uploadId);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Warning, Message = "Upload {UploadId}: the claim was taken over by another run; its outcome stands")]
    private static partial void LogClaimLost(ILogger logger, string uploadId);

    [LoggerMessage(EventId = 1012, Level = LogLevel.Warning, Message = "Upload {UploadId}: writing progress to the ledger failed ({Reason}); the next interval tries again")]
    private static partial void LogProgressFailed(ILogger logger, string uploadId, string reason);
}
