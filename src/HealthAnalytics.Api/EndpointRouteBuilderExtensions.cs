using HealthAnalytics.Api;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Microsoft.AspNetCore.Builder;

public static class EndpointRouteBuilderExtensions
{
    /// <summary>
    /// The dev host's routes: the same paths, methods and auth levels as the Function App's HTTP triggers
    /// (a test compares them with <c>functions.metadata</c>), served by the same handlers.
    /// </summary>
    public static IEndpointRouteBuilder MapHealthAnalyticsApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api");
        api.MapGet("/health", (HealthHandler h) => h.Get())
            .WithMetadata(AuthLevel.Anonymous);
        api.MapGet("/uploads", (HttpRequest req, UploadsHandler h, CancellationToken ct) => h.ListAsync(req, ct))
            .WithMetadata(AuthLevel.Function);
        api.MapGet("/uploads/{uploadId}", (HttpRequest req, string uploadId, UploadsHandler h, CancellationToken ct) => h.GetAsync(req, uploadId, ct))
            .WithMetadata(AuthLevel.Function);
        api.MapGet("/openapi.json", (HealthAnalytics.Api.OpenApi.OpenApiHandler h) => h.Get())
            .WithMetadata(AuthLevel.Anonymous);
        return endpoints;
    }

    /// <summary>Every error as <c>application/problem+json</c>, from one place: unhandled exceptions (no stack
    /// trace, no input echoed) and bare status codes such as an unknown route.</summary>
    public static IApplicationBuilder UseHealthAnalyticsProblemDetails(this IApplicationBuilder app)
    {
        // A request the server itself finds malformed (broken chunk framing, a body cut short) is the client's
        // fault: its 4xx, not a 500. Everything else unhandled is a bare 500 problem.
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            StatusCodeSelector = ex => ex is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError,
        });
        app.UseStatusCodePages();

        // Bodies over the API's limit are refused before any handler runs (the predict handler also stops
        // reading at the limit, for chunked bodies without a Content-Length).
        app.Use(async (context, next) =>
        {
            if (context.Request.ContentLength > HealthAnalytics.Api.Prediction.PredictionHandler.MaxBodyBytes)
            {
                await HealthAnalytics.Api.Prediction.Problems.TooLarge().ExecuteAsync(context);
                return;
            }

            await next(context);
        });
        return app;
    }
}
