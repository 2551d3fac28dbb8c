using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Schema;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;

namespace HealthAnalytics.Api;

/// <summary>
/// <c>GET /api/openapi.json</c>: the OpenAPI document of every route of <see cref="ApiRoutes"/>, shared by both hosts
/// and built once. Built from the route table (not from a host's endpoint metadata) so the Function App, which has none
/// for its triggers, serves the very same document as the dev host.
/// </summary>
public sealed class OpenApiHandler
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
    private static readonly Lazy<byte[]> Document = new(() => JsonSerializer.SerializeToUtf8Bytes(OpenApiDocument.Build(), Indented));

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "Resolved from DI like every handler.")]
    public IResult Get() => Results.Bytes(Document.Value, "application/json");
}

/// <summary>
/// OpenAPI 3.1 (whose schemas are JSON Schema 2020-12): component schemas are generated from the routes' request and
/// response types with System.Text.Json's <see cref="JsonSchemaExporter"/> and the API's own serializer options, so
/// they follow the types.
/// </summary>
public static class OpenApiDocument
{
    private static readonly JsonSerializerOptions SchemaOptions = new(ApiJson.Options)
    {
        TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { HealthAnalytics.Training.ModelTasks.PredictionPolymorphism } },
    };

    public static JsonObject Build()
    {
        var schemas = new JsonObject();
        var paths = new JsonObject();
        foreach (var route in ApiRoutes.All)
        {
            var path = paths[route.Path] as JsonObject ?? [];
            paths[route.Path] = path;
            path[route.Method.ToLowerInvariant()] = Operation(route, schemas);
        }

        return new JsonObject
        {
            ["openapi"] = "3.1.0",
            ["info"] = new JsonObject
            {
                ["title"] = "HealthAnalytics API",
                ["version"] = typeof(OpenApiDocument).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0",
                ["description"] = "Ingestion ledger, quality reports, configuration, models and predictions. Errors are RFC 7807 application/problem+json; " +
                                  "a 400 lists errors by field and never echoes a value. On Azure, Function/Admin routes need a key (x-functions-key header or code query parameter).",
            },
            ["servers"] = new JsonArray(new JsonObject { ["url"] = "/" }),
            ["paths"] = paths,
            ["components"] = new JsonObject
            {
                ["securitySchemes"] = new JsonObject
                {
                    ["functionKey"] = new JsonObject { ["type"] = "apiKey", ["in"] = "header", ["name"] = "x-functions-key" },
                },
                ["schemas"] = schemas,
            },
        };
    }

    private static JsonObject Operation(ApiRoute route, JsonObject schemas)
    {
        var parameters = new JsonArray();
        foreach (var segment in route.Path.Split('/').Where(s => s.StartsWith('{')))
        {
            parameters.Add(new JsonObject
            {
                ["name"] = segment.Trim('{', '}'), ["in"] = "path", ["required"] = true,
                ["schema"] = new JsonObject { ["type"] = "string", ["maxLength"] = 64 },
            });
        }

        foreach (var query in route.Query)
        {
            var schema = new JsonObject { ["type"] = "string", ["maxLength"] = 1024 };
            if (query.Values is { } values)
            {
                schema["enum"] = new JsonArray([.. values.Select(v => (JsonNode)v)]);
            }

            parameters.Add(new JsonObject { ["name"] = query.Name, ["in"] = "query", ["required"] = false, ["schema"] = schema });
        }

        var content = new JsonObject();
        foreach (var media in route.Media ?? ["application/json"])
        {
            content[media] = new JsonObject { ["schema"] = media == "application/json" ? Ref(route.Response, schemas) : new JsonObject { ["type"] = "string" } };
        }

        var responses = new JsonObject { ["200"] = new JsonObject { ["description"] = "OK", ["content"] = content } };
        if (route.Accepted is { } accepted)
        {
            responses["202"] = new JsonObject
            {
                ["description"] = "Accepted: still in progress",
                ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = Ref(accepted, schemas) } },
            };
        }

        foreach (var status in route.Errors)
        {
            responses[status.ToString(System.Globalization.CultureInfo.InvariantCulture)] = new JsonObject
            {
                ["description"] = ReasonPhrases.GetReasonPhrase(status),
                ["content"] = new JsonObject { ["application/problem+json"] = new JsonObject { ["schema"] = Ref(ApiRoutes.ProblemType(status), schemas) } },
            };
        }

        var operation = new JsonObject
        {
            ["operationId"] = route.OperationId,
            ["summary"] = route.Summary,
            ["x-auth-level"] = route.Auth.Level,
            ["parameters"] = parameters,
            ["responses"] = responses,
        };
        if (route.Auth != AuthLevel.Anonymous)
        {
            operation["security"] = new JsonArray(new JsonObject { ["functionKey"] = new JsonArray() });
        }

        if (route.Request is { } request)
        {
            operation["requestBody"] = new JsonObject
            {
                ["required"] = true,
                ["content"] = new JsonObject { [route.RequestMediaType] = new JsonObject { ["schema"] = Ref(request, schemas) } },
            };
        }

        return operation;
    }

    /// <summary>
    /// The exporter writes a type met a second time in one schema (e.g. <c>FeatureContribution</c> under two prediction
    /// types) as a <c>$ref</c> to its first occurrence, a pointer relative to that schema's root, which is wrong once the
    /// schema sits under <c>components/schemas</c>: such references are replaced by a copy of their target. The API's
    /// types are not recursive; a pointer deeper than 32 levels of copies is left as it is.
    /// </summary>
    private static JsonNode InlineLocalReferences(JsonNode node, JsonNode root, int depth)
    {
        if (node is JsonObject obj)
        {
            if (depth < 32 && obj["$ref"] is JsonValue reference && reference.TryGetValue<string>(out var pointer) && pointer.StartsWith("#/", StringComparison.Ordinal))
            {
                var target = pointer[2..].Split('/').Aggregate((JsonNode?)root, Step);
                if (target is not null)
                {
                    return InlineLocalReferences(target.DeepClone(), root, depth + 1);
                }
            }

            foreach (var key in obj.Select(p => p.Key).ToList())
            {
                if (obj[key] is { } child)
                {
                    var replaced = InlineLocalReferences(child, root, depth);
                    if (!ReferenceEquals(replaced, child))
                    {
                        obj[key] = replaced;
                    }
                }
            }
        }
        else if (node is JsonArray array)
        {
            for (var i = 0; i < array.Count; i++)
            {
                if (array[i] is { } child)
                {
                    var replaced = InlineLocalReferences(child, root, depth);
                    if (!ReferenceEquals(replaced, child))
                    {
                        array[i] = replaced;
                    }
                }
            }
        }

        return node;
    }

    /// <summary>One JSON pointer segment (RFC 6901): a property of an object, an index of an array.</summary>
    private static JsonNode? Step(JsonNode? node, string segment) => node switch
    {
        JsonObject o => o[segment.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)],
        JsonArray a when int.TryParse(segment, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var i) && i < a.Count => a[i],
        _ => null,
    };

    /// <summary>A reference to the component schema of <paramref name="type"/>, generated the first time it is named.</summary>
    private static JsonObject Ref(Type type, JsonObject schemas)
    {
        var name = type == typeof(object) ? "Any" : type.Name;
        if (!schemas.ContainsKey(name))
        {
            var schema = JsonSchemaExporter.GetJsonSchemaAsNode(SchemaOptions, type, new JsonSchemaExporterOptions { TreatNullObliviousAsNonNullable = true });
            schemas[name] = InlineLocalReferences(schema, schema, 0);
        }

        return new JsonObject { ["$ref"] = "#/components/schemas/" + name };
    }
}
