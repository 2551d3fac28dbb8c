using Microsoft.AspNetCore.Http;

namespace HealthAnalytics.Api;

/// <summary>Problems every handler and both hosts answer the same way (RFC 7807; nothing from the request echoed).</summary>
public static class Problems
{
    public static IResult NotFound(string title, string detail)
        => Results.Problem(statusCode: StatusCodes.Status404NotFound, title: title, detail: detail);

    public static IResult UnsupportedMediaType(string detail)
        => Results.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported media type", detail: detail);

    /// <param name="advice">What to send instead, e.g. "send at most 1000 instances per request".</param>
    public static IResult TooLarge(int maxBytes = RequestBodies.MaxBytes, string? advice = null)
        => Results.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Request body too large",
            detail: $"Request bodies of this route are limited to {maxBytes / 1024} KB" + (advice is null ? "." : "; " + advice + "."));
}
