using HealthAnalytics.Api;
using HealthAnalytics.Api.Models;
using HealthAnalytics.Api.Prediction;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Microsoft.AspNetCore.Builder;

public static class ModelsApiExtensions
{
    /// <summary>The dev host's model routes: same paths, methods and auth levels as the Function App's triggers.</summary>
    public static IEndpointRouteBuilder MapModelsApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api");
        api.MapGet("/models", (ModelsHandler h, CancellationToken ct) => h.ListAsync(ct)).WithMetadata(AuthLevel.Function);
        api.MapGet("/models/{name}", (string name, ModelsHandler h, CancellationToken ct) => h.GetAsync(name, ct)).WithMetadata(AuthLevel.Function);
        api.MapPost("/models/{name}/retrain", (string name, ModelsHandler h, CancellationToken ct) => h.RetrainAsync(name, ct)).WithMetadata(AuthLevel.Admin);
        api.MapPost("/models/{name}/versions/{version}/promote", (string name, string version, ModelsHandler h, CancellationToken ct) => h.PromoteAsync(name, version, ct)).WithMetadata(AuthLevel.Admin);
        api.MapPost("/models/{name}/predict", (HttpRequest req, string name, PredictionHandler h, CancellationToken ct) => h.PredictAsync(req, name, ct)).WithMetadata(AuthLevel.Function);
        return endpoints;
    }
}
