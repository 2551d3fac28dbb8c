using Azure;
using Azure.Data.Tables;
using HealthAnalytics.Ingestion;

namespace HealthAnalytics.Storage;

/// <summary>
/// <see cref="IUploadLedger"/> over the <c>uploads</c> table: PartitionKey = dataset (made key-safe), RowKey =
/// upload id; partner, dataset and file name are stored as properties, never as keys.
/// </summary>
public sealed class TableUploadLedger(TableClient table) : IUploadLedger
{
    // Bound on the read-decide-write rounds of one claim or completion; each lost round means another writer
    // made progress, so a handful is plenty, and the bound keeps a pathological race from spinning.
    private const int MaxClaimRounds = 8;

    public async Task<UploadLedgerEntry?> GetAsync(string dataset, string uploadId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentException.ThrowIfNullOrEmpty(uploadId);
        var found = await table.GetEntityIfExistsAsync<TableEntity>(UploadNaming.SafeSegment(dataset), uploadId, cancellationToken: cancellationToken);
        return found.HasValue ? ToEntry(found.Value!) : null;
    }

    public async Task<UploadLedgerEntry?> FindAsync(string uploadId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(uploadId);
        await foreach (var entity in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"RowKey eq {uploadId}"), maxPerPage: 1, cancellationToken: cancellationToken))
        {
            return ToEntry(entity);
        }

        return null;
    }

    public async Task<LedgerClaim> ClaimAsync(UploadLedgerEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentException.ThrowIfNullOrEmpty(entry.ClaimToken);
        var partitionKey = UploadNaming.SafeSegment(entry.Dataset);

        // A few rounds: each lost race re-reads the entry and decides again (final, held, or claimable).
        for (var round = 0; ; round++)
        {
            var found = await table.GetEntityIfExistsAsync<TableEntity>(partitionKey, entry.UploadId, cancellationToken: cancellationToken);
            if (!found.HasValue)
            {
                var created = entry with { Status = UploadStatus.Processing, Attempts = 1 };
                try
                {
                    await table.AddEntityAsync(ToEntity(created), cancellationToken);
                    return new LedgerClaim(created, AlreadyFinal: false);
                }
                catch (RequestFailedException e) when (e.Status == 409 && round < MaxClaimRounds)
                {
                    // Another delivery created it first, or our own create succeeded and its response was lost
                    // (the retried request then sees 409): the next round reads who holds it.
                    continue;
                }
            }

            var current = ToEntry(found.Value!);
            if (current.ClaimToken == entry.ClaimToken)
            {
                // Our own earlier write, whose response was lost and retried.
                return new LedgerClaim(current, AlreadyFinal: IsFinal(current.Status));
            }

            if (IsFinal(current.Status))
            {
                return new LedgerClaim(current, AlreadyFinal: true);
            }

            if (current.ClaimedUntil is { } until && until > entry.UpdatedAt)
            {
                return new LedgerClaim(current, AlreadyFinal: false, HeldByAnother: true);
            }

            var claimed = current with
            {
                Status = UploadStatus.Processing,
                Attempts = current.Attempts + 1,
                ClaimToken = entry.ClaimToken,
                ClaimedUntil = entry.ClaimedUntil,
                UpdatedAt = entry.UpdatedAt,
                ProgressBytes = 0, // a new attempt starts over
                ProgressRows = 0,
                ProgressAt = null,
            };
            try
            {
                // If-Match on the read ETag: of two racing claims exactly one wins; the other re-reads and sees it held.
                await table.UpdateEntityAsync(ToEntity(claimed), found.Value!.ETag, TableUpdateMode.Replace, cancellationToken);
                return new LedgerClaim(claimed, AlreadyFinal: false);
            }
            catch (RequestFailedException e) when (e.Status == 412 && round < MaxClaimRounds)
            {
            }
        }
    }

    public async Task<bool> CompleteAsync(UploadLedgerEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentException.ThrowIfNullOrEmpty(entry.ClaimToken);
        var partitionKey = UploadNaming.SafeSegment(entry.Dataset);
        for (var round = 0; ; round++)
        {
            var found = await table.GetEntityIfExistsAsync<TableEntity>(partitionKey, entry.UploadId, cancellationToken: cancellationToken);
            if (!found.HasValue)
            {
                return false;
            }

            var current = ToEntry(found.Value!);
            if (current.ClaimToken != entry.ClaimToken)
            {
                // Our claim expired and another run took the upload over: that run owns the outcome now.
                return false;
            }

            if (IsFinal(current.Status))
            {
                // Ours, already final: a retried write whose first response was lost, or a repeated call.
                return current.Status == entry.Status;
            }

            try
            {
                await table.UpdateEntityAsync(ToEntity(entry with { ClaimedUntil = null }), found.Value!.ETag, TableUpdateMode.Replace, cancellationToken);
                return true;
            }
            catch (RequestFailedException e) when (e.Status == 412 && round < MaxClaimRounds)
            {
                // Changed under us (our own lost-response write, or a takeover): the next round reads who won.
            }
        }
    }

    public async Task<bool> ReportProgressAsync(UploadLedgerEntry entry, long bytes, long rows, DateTimeOffset at, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentException.ThrowIfNullOrEmpty(entry.ClaimToken);
        var partitionKey = UploadNaming.SafeSegment(entry.Dataset);
        var found = await table.GetEntityIfExistsAsync<TableEntity>(partitionKey, entry.UploadId, ["ClaimToken", "Status"], cancellationToken);
        if (!found.HasValue || found.Value!.GetString("ClaimToken") != entry.ClaimToken || ParseStatus(found.Value.GetString("Status")) != UploadStatus.Processing)
        {
            return false;
        }

        // Merge of three properties, If-Match on the ETag just read: a completion or takeover in between wins, and
        // the next interval tries again. One such update per interval, never per row.
        var progress = new TableEntity(partitionKey, entry.UploadId) { ["ProgressBytes"] = bytes, ["ProgressRows"] = rows, ["ProgressAt"] = at };
        try
        {
            await table.UpdateEntityAsync(progress, found.Value.ETag, TableUpdateMode.Merge, cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 412 or 404)
        {
            return false;
        }
    }

    public async Task<IReadOnlyList<UploadLedgerEntry>> QueryAsync(string? dataset, string? partner, UploadStatus? status, int top, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(top);
        var filters = new List<string>();
        if (dataset is not null)
        {
            filters.Add(TableClient.CreateQueryFilter($"PartitionKey eq {UploadNaming.SafeSegment(dataset)}"));
        }

        if (partner is not null)
        {
            filters.Add(TableClient.CreateQueryFilter($"Partner eq {partner}"));
        }

        if (status is not null)
        {
            filters.Add(TableClient.CreateQueryFilter($"Status eq {StatusText(status.Value)}"));
        }

        // Table storage has no ORDER BY: read the matching entries and sort here. Fine for a ledger of
        // thousands of uploads; a larger one would add a reverse-time index table (docs/architecture.md).
        var entries = new List<UploadLedgerEntry>();
        var filter = filters.Count == 0 ? null : string.Join(" and ", filters);
        await foreach (var entity in table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            entries.Add(ToEntry(entity));
        }

        return entries.OrderByDescending(e => e.ReceivedAt).ThenBy(e => e.UploadId, StringComparer.Ordinal).Take(top).ToList();
    }

    internal static string StatusText(UploadStatus status) => status switch
    {
        UploadStatus.Processing => "processing",
        UploadStatus.Curated => "curated",
        UploadStatus.Rejected => "rejected",
        UploadStatus.Failed => "failed",
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };

    private static bool IsFinal(UploadStatus status) => status is UploadStatus.Curated or UploadStatus.Rejected or UploadStatus.Failed;

    private static UploadStatus ParseStatus(string? text) => text switch
    {
        "curated" => UploadStatus.Curated,
        "rejected" => UploadStatus.Rejected,
        "failed" => UploadStatus.Failed,
        _ => UploadStatus.Processing,
    };

    private static TableEntity ToEntity(UploadLedgerEntry e) => new(UploadNaming.SafeSegment(e.Dataset), e.UploadId)
    {
        ["Dataset"] = e.Dataset,
        ["Partner"] = e.Partner,
        ["FileName"] = e.FileName,
        ["SourceKey"] = e.SourceKey,
        ["SourceETag"] = e.SourceETag,
        ["Status"] = StatusText(e.Status),
        ["SizeBytes"] = e.SizeBytes,
        ["ContentSha256"] = e.ContentSha256,
        ["CuratedSha256"] = e.CuratedSha256,
        ["CuratedPath"] = e.CuratedPath,
        ["ReportPath"] = e.ReportPath,
        ["HtmlReportPath"] = e.HtmlReportPath,
        ["RejectionRule"] = e.RejectionRule,
        ["FailureReason"] = e.FailureReason,
        ["Attempts"] = e.Attempts,
        ["ClaimToken"] = e.ClaimToken,
        ["ClaimedUntil"] = e.ClaimedUntil,
        ["RowsRead"] = e.RowsRead,
        ["RowsWritten"] = e.RowsWritten,
        ["RowsQuarantined"] = e.RowsQuarantined,
        ["RowsDuplicate"] = e.RowsDuplicate,
        ["RowsBlank"] = e.RowsBlank,
        ["RowsFixed"] = e.RowsFixed,
        ["ProgressBytes"] = e.ProgressBytes,
        ["ProgressRows"] = e.ProgressRows,
        ["ProgressAt"] = e.ProgressAt,
        ["ReceivedAt"] = e.ReceivedAt,
        ["UpdatedAt"] = e.UpdatedAt,
    };

    private static UploadLedgerEntry ToEntry(TableEntity t) => new()
    {
        UploadId = t.RowKey,
        Dataset = t.GetString("Dataset") ?? string.Empty,
        Partner = t.GetString("Partner") ?? string.Empty,
        FileName = t.GetString("FileName") ?? string.Empty,
        SourceKey = t.GetString("SourceKey"),
        SourceETag = t.GetString("SourceETag"),
        Status = ParseStatus(t.GetString("Status")),
        SizeBytes = t.GetInt64("SizeBytes") ?? 0,
        ContentSha256 = t.GetString("ContentSha256"),
        CuratedSha256 = t.GetString("CuratedSha256"),
        CuratedPath = t.GetString("CuratedPath"),
        ReportPath = t.GetString("ReportPath"),
        HtmlReportPath = t.GetString("HtmlReportPath"),
        RejectionRule = t.GetString("RejectionRule"),
        FailureReason = t.GetString("FailureReason"),
        Attempts = t.GetInt32("Attempts") ?? 0,
        ClaimToken = t.GetString("ClaimToken"),
        ClaimedUntil = t.GetDateTimeOffset("ClaimedUntil"),
        RowsRead = t.GetInt64("RowsRead") ?? 0,
        RowsWritten = t.GetInt64("RowsWritten") ?? 0,
        RowsQuarantined = t.GetInt64("RowsQuarantined") ?? 0,
        RowsDuplicate = t.GetInt64("RowsDuplicate") ?? 0,
        RowsBlank = t.GetInt64("RowsBlank") ?? 0,
        RowsFixed = t.GetInt64("RowsFixed") ?? 0,
        ProgressBytes = t.GetInt64("ProgressBytes") ?? 0,
        ProgressRows = t.GetInt64("ProgressRows") ?? 0,
        ProgressAt = t.GetDateTimeOffset("ProgressAt"),
        ReceivedAt = t.GetDateTimeOffset("ReceivedAt") ?? default,
        UpdatedAt = t.GetDateTimeOffset("UpdatedAt") ?? default,
    };
}
