using System.Text.Json;
using HealthAnalytics.Training;

namespace HealthAnalytics.Curated;

/// <summary>
/// What training needs from a dataset contract: the curated columns, their types, units and categories,
/// and the primary key. Read from the contract JSON itself so the model side does not depend on the
/// ingestion engine's richer object model.
/// </summary>
public sealed record DatasetSchema(string Name, string Version, IReadOnlyList<string> PrimaryKey, IReadOnlyList<SchemaColumn> Columns)
{
    public SchemaColumn? Find(string name) => Columns.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.Ordinal));

    /// <summary>Parses a dataset contract (config/contracts/{dataset}.json).</summary>
    public static DatasetSchema Parse(string json)
    {
        using var doc = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var root = doc.RootElement;
        var columns = new List<SchemaColumn>();
        foreach (var c in root.GetProperty("columns").EnumerateArray())
        {
            columns.Add(ReadColumn(c, derived: false));
        }

        if (root.TryGetProperty("derived", out var derived))
        {
            foreach (var c in derived.EnumerateArray())
            {
                columns.Add(ReadColumn(c, derived: true));
            }
        }

        var key = root.TryGetProperty("primaryKey", out var pk) ? pk.EnumerateArray().Select(e => e.GetString()!).ToList() : [];
        return new DatasetSchema(root.GetProperty("name").GetString()!, root.GetProperty("version").GetString()!, key, columns);
    }

    private static SchemaColumn ReadColumn(JsonElement c, bool derived)
    {
        var categories = new List<string>();
        if (c.TryGetProperty("categories", out var cats) && cats.ValueKind == JsonValueKind.Object)
        {
            categories.AddRange(cats.EnumerateObject().Select(p => p.Name));
        }

        var privacy = c.TryGetProperty("privacy", out var p) ? p.GetString() ?? "none" : "none";
        var generalize = c.TryGetProperty("generalize", out var g) && g.TryGetProperty("kind", out var gk) ? gk.GetString() : null;
        return new SchemaColumn(
            c.GetProperty("name").GetString()!,
            c.GetProperty("type").GetString()!,
            privacy,
            c.TryGetProperty("unit", out var u) ? u.GetString() : null,
            categories,
            derived,
            Dropped: privacy == "direct" || generalize == "drop");
    }
}

/// <param name="Type">Contract type: string, integer, number, boolean, date, datetime, category.</param>
/// <param name="Privacy">identifier, direct, quasi, sensitive, none.</param>
/// <param name="Dropped">Not present in curated Parquet (direct, or generalized away).</param>
public sealed record SchemaColumn(string Name, string Type, string Privacy, string? Unit, IReadOnlyList<string> Categories, bool Derived, bool Dropped)
{
    /// <summary>The feature kind a column has when a spec does not say.</summary>
    public FeatureKind? InferredKind => Type switch
    {
        "integer" or "number" => FeatureKind.Numeric,
        "boolean" => FeatureKind.Boolean,
        "category" or "string" => FeatureKind.Categorical,
        _ => null,
    };
}
