using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using HealthAnalytics.Contracts;
using HealthAnalytics.Training;

namespace HealthAnalytics.Ingestion.Tests.Contracts;

/// <summary>
/// The JSON Schemas under <c>config/schemas/</c> are what editors check documents against; the parser's types are what
/// the app enforces. They must describe the same members: same property names at every level, same enum values, and
/// every C# <c>required</c> member required by the schema too. A member added to one and not the other fails here.
/// </summary>
public sealed class SchemaFilesTests
{
    [Fact]
    public void DatasetContractSchema_DescribesExactlyTheParsersMembers()
        => AssertSameShape(Load("dataset-contract.schema.json"), typeof(DatasetContract));

    [Fact]
    public void ModelSpecSchema_DescribesExactlyTheParsersMembers()
        => AssertSameShape(Load("model-spec.schema.json"), typeof(ModelSpec));

    private static JsonObject Load(string file)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, "config", "schemas", file);
            if (File.Exists(path))
            {
                return JsonNode.Parse(File.ReadAllText(path))!.AsObject();
            }
        }

        throw new FileNotFoundException(file);
    }

    private static void AssertSameShape(JsonObject root, Type type)
    {
        var mismatches = new List<string>();
        Compare(root, root, type, "$", mismatches);
        Assert.True(mismatches.Count == 0, string.Join(Environment.NewLine, mismatches));
    }

    private static void Compare(JsonObject root, JsonNode schemaNode, Type type, string path, List<string> mismatches)
    {
        var schema = Resolve(root, schemaNode);
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type.IsEnum)
        {
            var expected = EnumValues(type).Order(StringComparer.Ordinal).ToList();
            var actual = (schema["enum"] is JsonArray values ? values : schema["const"] is { } single ? [single.DeepClone()] : [])
                .Where(v => v is not null).Select(v => v!.GetValue<string>()).Order(StringComparer.Ordinal).ToList();

            // A schema may narrow an enum for one member (a derived column's privacy) but never widen it.
            if (actual.Count == 0 || actual.Except(expected).Any())
            {
                mismatches.Add($"{path}: enum [{string.Join(", ", actual)}] vs the parser's [{string.Join(", ", expected)}]");
            }

            return;
        }

        if (ElementType(type, typeof(IReadOnlyList<>)) is { } item)
        {
            if (schema["items"] is { } items)
            {
                Compare(root, items, item, path + "[]", mismatches);
            }

            return;
        }

        if (ElementType(type, typeof(IReadOnlyDictionary<,>)) is { } value)
        {
            if (schema["additionalProperties"] is JsonObject values)
            {
                Compare(root, values, value, path + ".*", mismatches);
            }

            return;
        }

        if (!IsRecord(type))
        {
            return; // a scalar: its JSON type is the serializer's business
        }

        var members = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.SetMethod is not null && p.GetCustomAttribute<JsonIgnoreAttribute>() is null)
            .ToDictionary(JsonName, p => p, StringComparer.Ordinal);
        var properties = schema["properties"]?.AsObject() ?? [];
        foreach (var missing in members.Keys.Except(properties.Select(p => p.Key)))
        {
            mismatches.Add($"{path}.{missing}: read by the parser, missing from the schema");
        }

        foreach (var extra in properties.Select(p => p.Key).Except(members.Keys))
        {
            mismatches.Add($"{path}.{extra}: in the schema, unknown to the parser");
        }

        var required = (schema["required"] as JsonArray)?.Select(r => r!.GetValue<string>()).ToHashSet(StringComparer.Ordinal) ?? [];
        foreach (var (name, property) in members)
        {
            if (property.GetCustomAttribute<RequiredMemberAttribute>() is not null && !required.Contains(name))
            {
                mismatches.Add($"{path}.{name}: required by the parser, optional in the schema");
            }

            if (properties[name] is { } child)
            {
                Compare(root, child, property.PropertyType, $"{path}.{name}", mismatches);
            }
        }
    }

    private static JsonObject Resolve(JsonObject root, JsonNode node)
    {
        var schema = node.AsObject();
        while (schema["$ref"] is { } reference)
        {
            var target = reference.GetValue<string>()["#/".Length..].Split('/').Aggregate((JsonNode)root, (n, segment) => n[segment]!);
            schema = target.AsObject();
        }

        return schema;
    }

    private static string JsonName(PropertyInfo property)
        => property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicy.CamelCase.ConvertName(property.Name);

    private static IEnumerable<string> EnumValues(Type type)
        => type.GetFields(BindingFlags.Public | BindingFlags.Static).Select(f =>
            f.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name ?? JsonNamingPolicy.KebabCaseLower.ConvertName(f.Name));

    private static Type? ElementType(Type type, Type generic)
    {
        if (type.IsGenericType && type.GetGenericTypeDefinition() == generic)
        {
            return type.GetGenericArguments()[^1];
        }

        return null;
    }

    private static bool IsRecord(Type type) => type.IsClass && type != typeof(string) && type.GetMethod("<Clone>$") is not null;
}
