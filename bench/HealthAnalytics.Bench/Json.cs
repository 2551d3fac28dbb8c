using System.Text.Json;
using System.Text.Json.Serialization;

namespace HealthAnalytics.Bench;

/// <summary>One JSON shape for results and child reports: camelCase, enums as strings.</summary>
public static class Json
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public static readonly JsonSerializerOptions CompactOptions = new(Options) { WriteIndented = false };
}
