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
    public static async Task InvokeAsync(HttpContext context, Func<Task> next, ILogger log)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);

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

    // The route is left out on purpose: a client may type an identifier into a route value.
    [LoggerMessage(EventId = 4000, Level = LogLevel.Error, Message = "An HTTP {Method} request failed ({Reason})")]
    private static partial void LogUnhandled(ILogger logger, string method, string reason);
}
