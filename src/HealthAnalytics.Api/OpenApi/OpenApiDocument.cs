using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;

namespace HealthAnalytics.Api.OpenApi;

/// <summary>One route of the HTTP API as documented (the parity test proves both hosts serve exactly these).</summary>
/// <param name="Auth">"Anonymous", "Function" or "Admin" (the Azure Functions level; keys are not enforced locally).</param>
/// <param name="Request">Component schema of the JSON body, when there is one.</param>
/// <param name="Response">Component schema of the 200 answer.</param>
/// <param name="Errors">Problem status codes the route answers.</param>
public sealed record ApiRoute(string Method, string Path, string Auth, string OperationId, string Summary, string? Request, string Response, int[] Errors);

/// <summary>
/// <c>GET /api/openapi.json</c>: a hand-built OpenAPI 3.0 document of every route, shared by both hosts (one builder,
/// no host-specific generator), built once. Hand-built so the Function App, which has no ASP.NET endpoint metadata
/// for its triggers, serves the very same document as the dev host.
/// </summary>
public sealed class OpenApiHandler
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
    private static readonly Lazy<byte[]> Document = new(() => JsonSerializer.SerializeToUtf8Bytes(OpenApiDocument.Build(), Indented));

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "Resolved from DI like every handler.")]
    public IResult Get() => Results.Bytes(Document.Value, "application/json");
}

public static class OpenApiDocument
{
    /// <summary>Every route of SPEC §3.</summary>
    public static IReadOnlyList<ApiRoute> Routes { get; } =
    [
        new("GET", "/api/health", "Anonymous", "Health", "Liveness, app version and the champion version each model serves.", null, "HealthResponse", []),
        new("GET", "/api/uploads", "Function", "ListUploads", "Ingestion ledger entries, newest first (filters: dataset, partner, status).", null, "UploadList", [400]),
        new("GET", "/api/uploads/{uploadId}", "Function", "GetUpload", "The data-quality report of one upload (JSON, or HTML with Accept: text/html).", null, "QualityReport", [400, 404]),
        new("GET", "/api/models", "Function", "ListModels", "Model specs with champion version and headline metrics.", null, "ModelList", []),
        new("GET", "/api/models/{name}", "Function", "GetModel", "One model: every version with metrics and status, and the champion's input schema.", null, "ModelDetail", [404]),
        new("POST", "/api/models/{name}/predict", "Function", "Predict", "Predictions of the champion for 1..1000 instances (or one object).", "PredictRequest", "PredictResponse", [400, 404, 413, 415, 503]),
        new("POST", "/api/models/{name}/retrain", "Admin", "RetrainModel", "Trains the model now; returns the new version and whether it was promoted.", null, "RetrainResponse", [404, 409]),
        new("POST", "/api/models/{name}/versions/{version}/promote", "Admin", "PromoteModelVersion", "Makes a version the champion (rollback).", null, "PromoteResponse", [404, 409]),
        new("GET", "/api/openapi.json", "Anonymous", "OpenApi", "This document.", null, "OpenApiDocument", []),
    ];

    public static JsonObject Build()
    {
        var paths = new JsonObject();
        foreach (var route in Routes)
        {
            var path = paths[route.Path] as JsonObject ?? [];
            paths[route.Path] = path;
            path[route.Method.ToLowerInvariant()] = Operation(route);
        }

        return new JsonObject
        {
            ["openapi"] = "3.0.3",
            ["info"] = new JsonObject
            {
                ["title"] = "HealthAnalytics API",
                ["version"] = typeof(OpenApiDocument).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0",
                ["description"] = "Ingestion ledger, quality reports, models and predictions. Errors are RFC 7807 application/problem+json. " +
                                  "On Azure, Function/Admin routes need a key (x-functions-key header or code query parameter).",
            },
            ["servers"] = new JsonArray(new JsonObject { ["url"] = "/" }),
            ["paths"] = paths,
            ["components"] = new JsonObject
            {
                ["securitySchemes"] = new JsonObject
                {
                    ["functionKey"] = new JsonObject { ["type"] = "apiKey", ["in"] = "header", ["name"] = "x-functions-key" },
                },
                ["schemas"] = Schemas(),
            },
        };
    }

    private static JsonObject Operation(ApiRoute route)
    {
        var parameters = new JsonArray();
        foreach (var segment in route.Path.Split('/').Where(s => s.StartsWith('{')))
        {
            var name = segment.Trim('{', '}');
            parameters.Add(new JsonObject
            {
                ["name"] = name,
                ["in"] = "path",
                ["required"] = true,
                ["schema"] = new JsonObject { ["type"] = "string", ["maxLength"] = 64 },
            });
        }

        if (route.OperationId == "ListUploads")
        {
            foreach (var name in new[] { "dataset", "partner", "status" })
            {
                var schema = new JsonObject { ["type"] = "string", ["maxLength"] = 1024 };
                if (name == "status")
                {
                    schema["enum"] = new JsonArray("processing", "curated", "rejected", "failed");
                }

                parameters.Add(new JsonObject { ["name"] = name, ["in"] = "query", ["required"] = false, ["schema"] = schema });
            }
        }

        var responses = new JsonObject
        {
            ["200"] = new JsonObject
            {
                ["description"] = "OK",
                ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = Ref(route.Response) } },
            },
        };
        foreach (var status in route.Errors)
        {
            responses[status.ToString(System.Globalization.CultureInfo.InvariantCulture)] = new JsonObject
            {
                ["description"] = ReasonPhrases.GetReasonPhrase(status),
                ["content"] = new JsonObject { ["application/problem+json"] = new JsonObject { ["schema"] = Ref(status == 400 ? "ValidationProblem" : "Problem") } },
            };
        }

        var operation = new JsonObject
        {
            ["operationId"] = route.OperationId,
            ["summary"] = route.Summary,
            ["x-auth-level"] = route.Auth,
            ["parameters"] = parameters,
            ["responses"] = responses,
        };
        if (route.Auth != "Anonymous")
        {
            operation["security"] = new JsonArray(new JsonObject { ["functionKey"] = new JsonArray() });
        }

        if (route.Request is { } request)
        {
            operation["requestBody"] = new JsonObject
            {
                ["required"] = true,
                ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = Ref(request) } },
            };
        }

        return operation;
    }

    private static JsonObject Ref(string schema) => new() { ["$ref"] = "#/components/schemas/" + schema };

    private static JsonObject Obj(params (string Name, JsonNode Schema)[] properties)
    {
        var props = new JsonObject();
        foreach (var (name, schema) in properties)
        {
            props[name] = schema;
        }

        return new JsonObject { ["type"] = "object", ["properties"] = props };
    }

    private static JsonObject T(string type, string? format = null, bool nullable = false)
    {
        var o = new JsonObject { ["type"] = type };
        if (format is not null)
        {
            o["format"] = format;
        }

        if (nullable)
        {
            o["nullable"] = true;
        }

        return o;
    }

    private static JsonObject Array(JsonNode items) => new() { ["type"] = "array", ["items"] = items };

    private static JsonObject Map(JsonNode values) => new() { ["type"] = "object", ["additionalProperties"] = values };

    private static JsonObject Schemas() => new()
    {
        ["Problem"] = Obj(("type", T("string")), ("title", T("string")), ("status", T("integer")), ("detail", T("string")), ("traceId", T("string"))),
        ["ValidationProblem"] = With(Obj(("type", T("string")), ("title", T("string")), ("status", T("integer")), ("detail", T("string")),
            ("errors", Map(Array(T("string"))))), "description", "errors is keyed by field, e.g. instances[0].hba1c; values are never echoed."),
        ["HealthResponse"] = Obj(("status", T("string")), ("version", T("string")), ("models", Map(T("string")))),
        ["UploadLedgerEntry"] = With(Obj(("uploadId", T("string")), ("partner", T("string")), ("dataset", T("string")), ("status", T("string")),
            ("rowsWritten", T("integer", "int64"))), "additionalProperties", true),
        ["UploadList"] = Obj(("count", T("integer")), ("items", Array(Ref("UploadLedgerEntry")))),
        ["QualityReport"] = With(Obj(("uploadId", T("string")), ("outcome", T("string")), ("rows", Map(T("integer", "int64")))), "additionalProperties", true),
        ["Metrics"] = Map(T("number", "double")),
        ["ModelSummary"] = Obj(("name", T("string")), ("task", T("string")), ("dataset", T("string")), ("description", T("string", nullable: true)),
            ("scheduleGroup", T("string")), ("championVersion", T("string", nullable: true)), ("metrics", With(Ref("Metrics"), "nullable", true))),
        ["ModelList"] = Obj(("count", T("integer")), ("items", Array(Ref("ModelSummary")))),
        ["ModelVersion"] = With(Obj(("model", T("string")), ("version", T("string")), ("status", T("string")), ("task", T("string")),
            ("createdAt", T("string", "date-time")), ("metrics", Ref("Metrics")), ("decision", T("string")), ("lineage", T("object"))), "additionalProperties", true),
        ["InputFeature"] = Obj(("name", T("string")), ("type", T("string")), ("unit", T("string", nullable: true)),
            ("categories", With(Array(T("string")), "nullable", true)), ("nullable", T("boolean"))),
        ["ModelDetail"] = Obj(("name", T("string")), ("task", T("string")), ("dataset", T("string")), ("description", T("string", nullable: true)),
            ("label", T("string", nullable: true)), ("scheduleGroup", T("string")), ("promotion", T("object")), ("championVersion", T("string", nullable: true)),
            ("input", With(Array(Ref("InputFeature")), "nullable", true)), ("example", With(Ref("Instance"), "nullable", true)), ("versions", Array(Ref("ModelVersion")))),
        ["Instance"] = With(Map(new JsonObject { ["nullable"] = true, ["oneOf"] = new JsonArray(T("number"), T("string"), T("boolean")) }),
            "description", "Feature values by name (see GET /api/models/{name} input); numbers may be strings with a unit (\"48 mmol/mol\"); null or absent = missing."),
        ["PredictRequest"] = new JsonObject
        {
            ["oneOf"] = new JsonArray(
                With(Obj(("instances", With(With(Array(Ref("Instance")), "minItems", 1), "maxItems", 1000))), "required", new JsonArray("instances")),
                Ref("Instance")),
        },
        ["FeatureContribution"] = Obj(("feature", T("string")), ("weight", T("number", "double"))),
        ["BinaryPrediction"] = Obj(("probability", T("number", "double")), ("label", T("boolean")), ("contributions", Array(Ref("FeatureContribution")))),
        ["SubgroupProfile"] = Obj(("subgroup", T("integer")), ("size", T("integer", "int64")), ("share", T("number", "double")),
            ("means", Map(T("number", "double"))), ("distinctive", Array(Obj(("feature", T("string")), ("standardizedDifference", T("number", "double")))))),
        ["ClusterPrediction"] = Obj(("subgroup", T("integer")), ("distance", T("number", "double")), ("profile", With(Ref("SubgroupProfile"), "nullable", true))),
        ["PredictResponse"] = Obj(("model", T("string")), ("version", T("string")), ("trainingDataHash", T("string")),
            ("predictions", Array(new JsonObject { ["oneOf"] = new JsonArray(Ref("BinaryPrediction"), Ref("ClusterPrediction")) }))),
        ["RetrainResponse"] = Obj(("model", T("string")), ("status", T("string")), ("promoted", T("boolean")), ("reason", T("string")),
            ("version", With(Ref("ModelVersion"), "nullable", true))),
        ["PromoteResponse"] = Obj(("model", T("string")), ("version", T("string")), ("promoted", T("boolean")), ("record", With(Ref("ModelVersion"), "nullable", true))),
        ["OpenApiDocument"] = With(T("object"), "additionalProperties", true),
    };

    /// <summary>Adds a keyword; a $ref gets wrapped in allOf first (OpenAPI 3.0 ignores siblings of $ref).</summary>
    private static JsonObject With(JsonObject schema, string keyword, JsonNode value)
    {
        if (schema.ContainsKey("$ref"))
        {
            schema = new JsonObject { ["allOf"] = new JsonArray(schema) };
        }

        schema[keyword] = value;
        return schema;
    }

    private static JsonObject With(JsonObject schema, string keyword, bool value) => With(schema, keyword, JsonValue.Create(value));

    private static JsonObject With(JsonObject schema, string keyword, int value) => With(schema, keyword, JsonValue.Create(value));

    private static JsonObject With(JsonObject schema, string keyword, string value) => With(schema, keyword, JsonValue.Create(value));
}
