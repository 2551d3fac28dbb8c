using HealthAnalytics.Ingestion;
using Microsoft.AspNetCore.Http;

namespace HealthAnalytics.Api;

/// <summary><c>GET /api/uploads</c> and <c>GET /api/uploads/{uploadId}</c>, shared by both hosts.</summary>
public sealed class UploadsHandler(IUploadLedger ledger, IReportStore reports)
{
    /// <summary>Most entries one list returns.</summary>
    public const int MaxEntries = 500;

    private const int MaxFilterLength = 1024;

    /// <summary>Ledger entries filtered by <c>dataset</c>, <c>partner</c>, <c>status</c>, newest first.</summary>
    public async Task<IResult> ListAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var dataset = Filter(request, "dataset", errors);
        var partner = Filter(request, "partner", errors);
        var statusText = Filter(request, "status", errors);
        UploadStatus? status = null;
        if (statusText is not null)
        {
            if (Enum.TryParse<UploadStatus>(statusText, ignoreCase: true, out var parsed) && !int.TryParse(statusText, out _))
            {
                status = parsed;
            }
            else
            {
                errors["status"] = ["Must be one of processing, curated, rejected, failed."];
            }
        }

        if (errors.Count > 0)
        {
            return Results.ValidationProblem(errors);
        }

        var entries = await ledger.QueryAsync(dataset, partner, status, MaxEntries, cancellationToken);
        return Results.Json(new UploadList(entries.Count, entries), ApiJson.Options);
    }

    /// <summary>The quality report of one upload: JSON, or the HTML page when the client accepts text/html. While the
    /// upload is still <c>processing</c> (no report yet): 202 with its ledger entry, whose progress fields say how far
    /// the run has got (docs/console.md, "Progress").</summary>
    public async Task<IResult> GetAsync(HttpRequest request, string? uploadId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);

        // Validated before any lookup; the value is never echoed back.
        if (!UploadNaming.IsUploadId(uploadId))
        {
            return Results.ValidationProblem(new Dictionary<string, string[]>(StringComparer.Ordinal)
            {
                ["uploadId"] = [$"Must be {UploadNaming.UploadIdLength} characters a-z, 2-7."],
            });
        }

        var entry = await ledger.FindAsync(uploadId!, cancellationToken);
        if (entry is { Status: UploadStatus.Processing, ReportPath: null })
        {
            request.HttpContext.Response.Headers.RetryAfter = "5";
            return Results.Json(entry, ApiJson.Options, statusCode: StatusCodes.Status202Accepted);
        }

        var html = WantsHtml(request);
        var path = html ? entry?.HtmlReportPath : entry?.ReportPath;
        if (path is null)
        {
            return NotFound();
        }

        var stream = await reports.OpenReadAsync(path, cancellationToken);
        return stream is null
            ? NotFound()
            : Results.Stream(stream, html ? "text/html; charset=utf-8" : "application/json");
    }

    private static IResult NotFound()
        => Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Upload not found", detail: "No report exists for this upload id.");

    internal static bool WantsHtml(HttpRequest request)
        => request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals("text/html", StringComparison.OrdinalIgnoreCase));

    private static string? Filter(HttpRequest request, string name, Dictionary<string, string[]> errors)
    {
        var values = request.Query[name];
        if (values.Count == 0 || string.IsNullOrEmpty(values[0]))
        {
            return null;
        }

        if (values.Count > 1)
        {
            errors[name] = ["Give this filter at most once."];
            return null;
        }

        if (values[0]!.Length > MaxFilterLength)
        {
            errors[name] = [$"At most {MaxFilterLength} characters."];
            return null;
        }

        return values[0];
    }
}

/// <param name="Count">Number of entries returned.</param>
/// <param name="Items">Ledger entries, newest first.</param>
public sealed record UploadList(int Count, IReadOnlyList<UploadLedgerEntry> Items);
