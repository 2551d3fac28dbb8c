using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using HealthAnalytics.Training;

namespace HealthAnalytics.Api;

/// <summary>The one JSON shape of the API (camelCase, enums as camelCase strings), identical on both hosts
/// because handlers pass it explicitly instead of relying on each host's defaults. Predictions are polymorphic over the
/// registered model tasks (<see cref="ModelTasks.PredictionPolymorphism"/>).</summary>
public static class ApiJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { ModelTasks.PredictionPolymorphism } },
    };
}
