using HealthAnalytics.Contracts;
using HealthAnalytics.Ingestion;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace HealthAnalytics.Api;

/// <summary>A query-string parameter of a route (always optional, at most 1,024 characters).</summary>
/// <param name="Values">The allowed values, when the parameter is an enumeration.</param>
public sealed record ApiQueryParameter(string Name, IReadOnlyList<string>? Values = null);

/// <summary>
/// One route of the HTTP API. The dev host maps it (<see cref="Handler"/>), the OpenAPI document describes it, and the
/// parity test checks that the Function App has an HTTP trigger with the same path, method, auth level and name
/// (<see cref="OperationId"/>): a new route is written here and as a trigger in <c>functions/</c>, nowhere else.
/// </summary>
/// <param name="Auth">The Azure Functions authorization level (keys are not enforced by the dev host).</param>
/// <param name="OperationId">The OpenAPI operation id and the name of the Function App's trigger.</param>
/// <param name="Response">The type of the 200 JSON answer (its schema is generated from the type).</param>
/// <param name="Request">The type of the JSON body, when there is one.</param>
/// <param name="Errors">Problem status codes the route answers.</param>
/// <param name="Handler">The minimal-API delegate the dev host maps: it binds the request and calls the handler the
/// Function App's trigger calls too.</param>
public sealed record ApiRoute(
    string Method, string Path, AuthLevel Auth, string OperationId, string Summary, Type Response, Type? Request, int[] Errors, Delegate Handler)
{
    public IReadOnlyList<ApiQueryParameter> Query { get; init; } = [];

    /// <summary>Media types of the 200 answer when it is not only JSON (e.g. <c>text/html</c> by <c>Accept</c>); null = JSON.</summary>
    public IReadOnlyList<string>? Media { get; init; }

    /// <summary>The type of a 202 answer (work in progress), when the route has one.</summary>
    public Type? Accepted { get; init; }

    /// <summary>Set when the route needs another Entra app role than its auth level implies.</summary>
    public string? RoleOverride { get; init; }

    /// <summary>The Entra app role a caller needs behind App Service authentication (docs/deploy.md, "API identity"):
    /// none for anonymous routes, <see cref="ApiRoles.Read"/> for function-level ones, <see cref="ApiRoles.Admin"/> for
    /// admin ones, unless <see cref="RoleOverride"/> says otherwise.</summary>
    public string? RequiredRole => RoleOverride ?? (Auth == AuthLevel.Anonymous ? null : Auth == AuthLevel.Admin ? ApiRoles.Admin : ApiRoles.Read);

    /// <summary>The media type of the request body (<see cref="Request"/>) in the OpenAPI document.</summary>
    public string RequestMediaType { get; init; } = "application/json";
}

/// <summary>The app roles of the API's Entra registration (infra/api-app-roles.json).</summary>
public static class ApiRoles
{
    public const string Read = "Api.Read";
    public const string Predict = "Api.Predict";
    public const string Admin = "Api.Admin";
}

/// <summary>The route table: every route of the HTTP API, in the order the OpenAPI document lists them.</summary>
public static class ApiRoutes
{
    public static IReadOnlyList<ApiRoute> All { get; } =
    [
        new("GET", "/api/health", AuthLevel.Anonymous, "Health", "Liveness, app version and the champion version each model serves.",
            typeof(HealthResponse), null, [],
            (HealthHandler h) => h.Get()),
        new("GET", "/api/uploads", AuthLevel.Function, "ListUploads", "Ingestion ledger entries, newest first (filters: dataset, partner, status).",
            typeof(UploadList), null, [400],
            (HttpRequest req, UploadsHandler h, CancellationToken ct) => h.ListAsync(req, ct))
        {
            Query = [new("dataset"), new("partner"), new("status", [.. Enum.GetNames<UploadStatus>().Select(n => n.ToLowerInvariant())])],
        },
        new("GET", "/api/uploads/{uploadId}", AuthLevel.Function, "GetUpload", "The data-quality report of one upload (JSON, or HTML with Accept: text/html).",
            typeof(QualityReport), null, [400, 404],
            (HttpRequest req, string uploadId, UploadsHandler h, CancellationToken ct) => h.GetAsync(req, uploadId, ct))
        {
            Media = ["application/json", "text/html"],
            Accepted = typeof(UploadLedgerEntry),
        },
        new("GET", "/api/models", AuthLevel.Function, "ListModels", "Model specs with champion version and headline metrics.",
            typeof(ModelList), null, [],
            (ModelsHandler h, CancellationToken ct) => h.ListAsync(ct)),
        new("GET", "/api/models/{name}", AuthLevel.Function, "GetModel", "One model: every version with metrics and status, and the champion's input schema.",
            typeof(ModelDetail), null, [404],
            (string name, ModelsHandler h, CancellationToken ct) => h.GetAsync(name, ct)),
        new("POST", "/api/models/{name}/predict", AuthLevel.Function, "Predict", "Predictions of the champion for 1..1000 instances (or one object).",
            typeof(PredictResponse), typeof(PredictRequest), [400, 404, 413, 415, 503],
            (HttpRequest req, string name, PredictionHandler h, CancellationToken ct) => h.PredictAsync(req, name, ct))
        {
            RoleOverride = ApiRoles.Predict,
            Query = [new("horizons")],
        },
        new("POST", "/api/models/{name}/retrain", AuthLevel.Admin, "RetrainModel", "Trains the model now; returns the new version and whether it was promoted.",
            typeof(RetrainResponse), null, [404, 409],
            (string name, ModelsHandler h, CancellationToken ct) => h.RetrainAsync(name, ct)),
        new("POST", "/api/models/{name}/versions/{version}/promote", AuthLevel.Admin, "PromoteModelVersion", "Makes a version the champion (rollback).",
            typeof(PromoteResponse), null, [404, 409],
            (string name, string version, ModelsHandler h, CancellationToken ct) => h.PromoteAsync(name, version, ct)),
        new("GET", "/api/models/{name}/versions/{version}/card", AuthLevel.Function, "GetModelCard", "The model card of one version: JSON, or the HTML page with its plots with Accept: text/html.",
            typeof(object), null, [404],
            (HttpRequest req, string name, string version, ModelCardHandler h, CancellationToken ct) => h.GetAsync(req, name, version, ct))
        {
            Media = ["application/json", "text/html"],
        },
        new("GET", "/api/config", AuthLevel.Admin, "GetConfig", "Contracts and model specs in force, and refused documents with every error (JSON path + message).",
            typeof(ConfigView), null, [],
            (ConfigHandler h, CancellationToken ct) => h.GetAsync(ct)),
        new("PUT", "/api/config/contracts/{dataset}", AuthLevel.Admin, "PutContract", "Validates a dataset contract and stores it (201 new, 200 replaced); 400 lists every error and stores nothing.",
            typeof(ConfigWritten), typeof(object), [400, 413, 415],
            (HttpRequest req, string dataset, ConfigHandler h, CancellationToken ct) => h.PutContractAsync(req, dataset, ct)),
        new("POST", "/api/config/contracts/infer", AuthLevel.Admin, "InferContract", "Proposes a dataset contract from a CSV sample (text/csv body, at most 1 MiB; ?dataset= names it): dialect, types, categories, missing tokens, date formats, observed ranges and privacy roles, with notes. Stores nothing; never returns a value of an identifying column.",
            typeof(ContractProposal), typeof(string), [400, 413, 415],
            (HttpRequest req, ContractInferenceHandler h, CancellationToken ct) => h.InferAsync(req, ct))
        {
            Query = [new("dataset")],
            RequestMediaType = "text/csv",
        },
        new("PUT", "/api/config/models/{name}", AuthLevel.Admin, "PutModelSpec", "Validates a model spec against its dataset's contract in force and stores it (201 new, 200 replaced); 400 lists every error.",
            typeof(ConfigWritten), typeof(object), [400, 413, 415],
            (HttpRequest req, string name, ConfigHandler h, CancellationToken ct) => h.PutModelSpecAsync(req, name, ct)),
        new("GET", "/api/console", AuthLevel.Anonymous, "Console", "The console: one static page that lists uploads, datasets and models through this API with the caller's key.",
            typeof(string), null, [],
            (HttpResponse res, ConsoleHandler h) => h.GetPage(res))
        {
            Media = ["text/html"],
        },
        new("GET", "/api/console/{file}", AuthLevel.Anonymous, "ConsoleFile", "The console's script (console.js) or style sheet (console.css); any other name is 404.",
            typeof(string), null, [404],
            (HttpResponse res, string file, ConsoleHandler h) => h.GetFile(res, file))
        {
            Media = ["text/javascript", "text/css"],
        },
        new("GET", "/api/openapi.json", AuthLevel.Anonymous, "OpenApi", "This document.",
            typeof(object), null, [],
            (OpenApiHandler h) => h.Get()),
    ];

    /// <summary>The problem types every error answer uses (RFC 7807), for the OpenAPI document.</summary>
    internal static Type ProblemType(int status) => status == StatusCodes.Status400BadRequest ? typeof(HttpValidationProblemDetails) : typeof(ProblemDetails);
}
