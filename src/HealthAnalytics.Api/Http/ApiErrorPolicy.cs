using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace HealthAnalytics.Api;

/// <summary>
/// The one error policy of the HTTP API, run around every request by both hosts (the dev host's middleware and the
/// Function App's worker middleware): bodies over the limit are refused before any handler runs, and an unhandled
/// exception becomes a bare RFC 7807 problem with no stack trace and nothing from the request, logged by type only.
/// </summary>
public static partial class ApiErrorPolicy
{
    /// <summary>Policy of an HTML answer (a quality report, a model card): nothing runs, nothing loads from anywhere,
    /// only the inline style; <c>data:</c> images for the page's empty icon, so a browser asks the host for nothing else.</summary>
    public const string HtmlContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    /// <summary>Policy of every other answer (JSON, problems): a browser that renders one anyway gets nothing to run.</summary>
    public const string DataContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'";

    public static async Task InvokeAsync(HttpContext context, Func<Task> next, ILogger log)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);

        // Set when the answer starts, whoever writes it (a handler, a problem below, the status-code pages of the dev
        // host): every answer of both hosts carries them (docs/serving.md, "Security headers").
        context.Response.OnStarting(static state =>
        {
            AddSecurityHeaders(((HttpContext)state).Response);
            return Task.CompletedTask;
        }, context);

        // Every handler also stops reading at its own limit, for chunked bodies without a Content-Length.
        var limit = RequestBodies.LimitFor(context.Request.Path);
        if (context.Request.ContentLength > limit)
        {
            await Problems.TooLarge(limit).ExecuteAsync(context);
            return;
        }

        try
        {
            await next();
        }
        catch (Exception ex) when (!context.Response.HasStarted)
        {
            LogUnhandled(log, context.Request.Method, ex.GetType().Name);

            // A request the server itself finds malformed (broken chunk framing, a body cut short) is the client's 4xx.
            var problem = ex is BadHttpRequestException bad
                ? Results.Problem(statusCode: bad.StatusCode)
                : Results.Problem(statusCode: StatusCodes.Status500InternalServerError, title: "An unexpected error occurred.");
            await problem.ExecuteAsync(context);
        }
    }

    /// <summary>The security headers of one answer: no sniffing, no caching (every answer is data or about data), no
    /// referrer, no framing, and a content security policy strict for HTML and closed for everything else. A handler
    /// that set its own policy and caching keeps them (the console's files: docs/console.md).</summary>
    public static void AddSecurityHeaders(HttpResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var headers = response.Headers;
        headers.XContentTypeOptions = "nosniff";
        if (string.IsNullOrEmpty(headers.CacheControl))
        {
            headers.CacheControl = "no-store";
        }

        headers["Referrer-Policy"] = "no-referrer";
        headers.XFrameOptions = "DENY";
        var html = response.ContentType?.StartsWith("text/html", StringComparison.OrdinalIgnoreCase) == true;
        if (string.IsNullOrEmpty(headers.ContentSecurityPolicy))
        {
            headers.ContentSecurityPolicy = html ? HtmlContentSecurityPolicy : DataContentSecurityPolicy;
        }
    }

    // The route is left out on purpose: a client may type an identifier into a route value.
    [LoggerMessage(EventId = 4000, Level = LogLevel.Error, Message = "An HTTP {Method} request failed ({Reason})")]
    private static partial void LogUnhandled(ILogger logger, string method, string reason);
}
