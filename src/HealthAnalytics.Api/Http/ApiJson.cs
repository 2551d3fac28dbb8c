using System.Text.Json;
using System.Text.Json.Serialization;

namespace HealthAnalytics.Api;

/// <summary>The one JSON shape of the API (camelCase, enums as camelCase strings), identical on both hosts
/// because handlers pass it explicitly instead of relying on each host's defaults.</summary>
public static class ApiJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };
}
