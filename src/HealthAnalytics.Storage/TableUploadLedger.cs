using Azure;
using Azure.Data.Tables;
using HealthAnalytics.Domain.Application;
using HealthAnalytics.Domain.Ports;

namespace HealthAnalytics.Storage;

/// <summary>
/// <see cref="IUploadLedger"/> over the <c>uploads</c> table: PartitionKey = dataset (made key-safe), RowKey =
/// upload id; partner, dataset and file name are stored as properties, never as keys.
/// </summary>
public sealed class TableUploadLedger(TableClient table) : IUploadLedger
{
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
        var partitionKey = UploadNaming.SafeSegment(entry.Dataset);
        var found = await table.GetEntityIfExistsAsync<TableEntity>(partitionKey, entry.UploadId, cancellationToken: cancellationToken);
        if (!found.HasValue)
        {
            var created = entry with { Status = UploadStatus.Processing, Attempts = 1 };
            try
            {
                await table.AddEntityAsync(ToEntity(created), cancellationToken);
                return new LedgerClaim(created, AlreadyFinal: false);
            }
            catch (RequestFailedException e) when (e.Status == 409)
            {
                // A concurrent delivery created it first; fall through to claim the existing entry.
                found = await table.GetEntityIfExistsAsync<TableEntity>(partitionKey, entry.UploadId, cancellationToken: cancellationToken);
                if (!found.HasValue)
                {
                    throw;
                }
            }
        }

        var current = ToEntry(found.Value!);
        if (current.Status is UploadStatus.Curated or UploadStatus.Rejected)
        {
            return new LedgerClaim(current, AlreadyFinal: true);
        }

        var claimed = current with { Status = UploadStatus.Processing, Attempts = current.Attempts + 1, UpdatedAt = entry.UpdatedAt };

        // If-Match on the read ETag: two racing claims cannot both count the same attempt.
        await table.UpdateEntityAsync(ToEntity(claimed), found.Value!.ETag, TableUpdateMode.Replace, cancellationToken);
        return new LedgerClaim(claimed, AlreadyFinal: false);
    }

    public async Task CompleteAsync(UploadLedgerEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        await table.UpsertEntityAsync(ToEntity(entry), TableUpdateMode.Replace, cancellationToken);
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
        ["RowsRead"] = e.RowsRead,
        ["RowsWritten"] = e.RowsWritten,
        ["RowsQuarantined"] = e.RowsQuarantined,
        ["RowsDuplicate"] = e.RowsDuplicate,
        ["RowsBlank"] = e.RowsBlank,
        ["RowsFixed"] = e.RowsFixed,
        ["ReceivedAt"] = e.ReceivedAt,
        ["UpdatedAt"] = e.UpdatedAt,
    };

    private static UploadLedgerEntry ToEntry(TableEntity t) => new()
    {
        UploadId = t.RowKey,
        Dataset = t.GetString("Dataset") ?? string.Empty,
        Partner = t.GetString("Partner") ?? string.Empty,
        FileName = t.GetString("FileName") ?? string.Empty,
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
        RowsRead = t.GetInt64("RowsRead") ?? 0,
        RowsWritten = t.GetInt64("RowsWritten") ?? 0,
        RowsQuarantined = t.GetInt64("RowsQuarantined") ?? 0,
        RowsDuplicate = t.GetInt64("RowsDuplicate") ?? 0,
        RowsBlank = t.GetInt64("RowsBlank") ?? 0,
        RowsFixed = t.GetInt64("RowsFixed") ?? 0,
        ReceivedAt = t.GetDateTimeOffset("ReceivedAt") ?? default,
        UpdatedAt = t.GetDateTimeOffset("UpdatedAt") ?? default,
    };
}
