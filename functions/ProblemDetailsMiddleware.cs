using HealthAnalytics.Api.Prediction;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Logging;

namespace HealthAnalytics.Functions;

/// <summary>
/// The one place HTTP failures become RFC 7807: an unhandled exception in an HTTP function is answered with a
/// generic 500 problem (no stack trace, nothing from the request) and logged by type only. Other triggers
/// rethrow so the host's retry policy applies. Request bodies over 256 KB are answered 413 here too.
/// </summary>
public sealed partial class ProblemDetailsMiddleware(ILogger<ProblemDetailsMiddleware> log) : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);

        // Bodies over the API's limit are refused before any function runs, as on the dev host.
        if (context.GetHttpContext() is { } request && request.Request.ContentLength > PredictionHandler.MaxBodyBytes)
        {
            await Problems.TooLarge().ExecuteAsync(request);
            return;
        }

        try
        {
            await next(context);
        }
        catch (Exception ex) when (context.GetHttpContext() is { Response.HasStarted: false })
        {
            LogUnhandled(log, context.FunctionDefinition.Name, ex.GetType().Name);

            // A request the server finds malformed (e.g. its body cut short) is the client's 4xx, as on the dev host.
            var problem = ex is BadHttpRequestException bad
                ? Results.Problem(statusCode: bad.StatusCode)
                : Results.Problem(statusCode: StatusCodes.Status500InternalServerError, title: "An unexpected error occurred.");
            await problem.ExecuteAsync(context.GetHttpContext()!);
        }
    }

    [LoggerMessage(EventId = 4000, Level = LogLevel.Error, Message = "Function {Function} failed ({Reason})")]
    private static partial void LogUnhandled(ILogger logger, string function, string reason);
}
