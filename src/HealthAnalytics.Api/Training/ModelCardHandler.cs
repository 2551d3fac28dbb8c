using HealthAnalytics.Config;
using HealthAnalytics.Contracts;
using HealthAnalytics.Training;
using Microsoft.AspNetCore.Http;

namespace HealthAnalytics.Api;

/// <summary>
/// <c>GET /api/models/{name}/versions/{version}/card</c>, shared by both hosts: the stored <c>card.json</c>, or
/// <c>card.html</c> when the client accepts text/html (docs/console.md, "Model card"). Both were written at training
/// time from the same card; nothing is recomputed here. Name and version are checked before any lookup and never echoed.
/// </summary>
public sealed class ModelCardHandler(ConfigCatalog config, IModelArtifactStore artifacts)
{
    public async Task<IResult> GetAsync(HttpRequest request, string? name, string? version, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var spec = ConfigNames.IsValid(name) ? (await config.CurrentAsync(cancellationToken)).Spec(name!) : null;
        if (spec is null)
        {
            return NotFound("Model not found", "No model spec has this name.");
        }

        if (version is null || version.Length > 64 || !version.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
        {
            return NotFound("Card not found", "No version of this model has a card with this id.");
        }

        var html = UploadsHandler.WantsHtml(request);
        var card = html
            ? await artifacts.ReadCardHtmlAsync(spec.Name, version, cancellationToken)
            : await artifacts.ReadCardAsync(spec.Name, version, cancellationToken);
        if (card is null)
        {
            return NotFound("Card not found", "No version of this model has a card with this id.");
        }

        request.HttpContext.Response.Headers.XContentTypeOptions = "nosniff";
        return Results.Text(card, html ? "text/html; charset=utf-8" : "application/json; charset=utf-8");
    }

    private static IResult NotFound(string title, string detail) => Results.Problem(statusCode: StatusCodes.Status404NotFound, title: title, detail: detail);
}
