using System.Text.Json;

namespace HealthAnalytics.Training;

/// <summary>What travels with a trained model inside <c>model.zip</c> (entry <c>manifest.json</c>).</summary>
public sealed record ModelManifest
{
    public required string Model { get; init; }
    public required string Version { get; init; }
    public required ModelTask Task { get; init; }
    public required string Trainer { get; init; }
    public required Featurizer Featurizer { get; init; }
    public double Threshold { get; init; } = 0.5;
    public IReadOnlyList<SubgroupProfile> Subgroups { get; init; } = [];
    public DateTimeOffset TrainedAt { get; init; }
    public string CodeVersion { get; init; } = "";

    /// <summary>The spec this version was trained from (model JSON), so promotion can re-run it on a candidate's folds.
    /// Absent in bundles written before specs were stored.</summary>
    public JsonElement? Spec { get; init; }

    /// <summary>A spec as <see cref="Spec"/> holds it.</summary>
    public static JsonElement SpecElement(ModelSpec spec) => JsonSerializer.SerializeToElement(spec, ModelSpecReader.Json);

    /// <summary>The stored spec, or null when there is none or it no longer reads as a spec.</summary>
    public ModelSpec? StoredSpec()
    {
        if (Spec is not { } element)
        {
            return null;
        }

        try
        {
            return ModelSpecReader.Parse(element.GetRawText());
        }
        catch (ModelSpecException)
        {
            return null;
        }
    }

    /// <summary>Task-specific parameters (e.g. a Cox model's coefficients and baseline), as the task wrote them.</summary>
    public JsonElement? Parameters { get; init; }

    /// <summary>The task's parameters as <typeparamref name="T"/> (model JSON options), or default when there are none.</summary>
    public T? ParametersAs<T>() => Parameters is { } p ? p.Deserialize<T>(ModelSpecReader.Json) : default;

    /// <summary>This manifest with <paramref name="parameters"/> serialized as its <see cref="Parameters"/>.</summary>
    public ModelManifest WithParameters<T>(T parameters) => this with { Parameters = JsonSerializer.SerializeToElement(parameters, ModelSpecReader.Json) };

    /// <summary>The input a client posts: feature names, types, units, allowed categories, and an example.</summary>
    public InputSchema Input => InputSchema.From(Featurizer);
}

/// <summary>One subgroup (cluster) of a clustering model, described only by aggregates.</summary>
/// <param name="Subgroup">1-based subgroup number.</param>
/// <param name="Means">Mean of each numeric/boolean feature over the subgroup's training rows (missing left out);
/// categorical features as the share of each category (<c>feature=value</c>).</param>
/// <param name="Distinctive">Features whose subgroup mean is furthest from the overall mean, in overall SDs (signed).</param>
public sealed record SubgroupProfile(int Subgroup, long Size, double Share, IReadOnlyDictionary<string, double> Means, IReadOnlyList<DistinctiveFeature> Distinctive)
{
    /// <summary>Every feature's standardized difference from the overall mean (the card's heat map); null in older bundles.</summary>
    public IReadOnlyDictionary<string, double>? Standardized { get; init; }
}

public sealed record DistinctiveFeature(string Feature, double StandardizedDifference);

public sealed record InputFeature(string Name, string Type, string? Unit, IReadOnlyList<string>? Categories, bool Nullable);

public sealed record InputSchema(IReadOnlyList<InputFeature> Features, IReadOnlyDictionary<string, object?> Example)
{
    public static InputSchema From(Featurizer featurizer)
    {
        ArgumentNullException.ThrowIfNull(featurizer);
        var features = new List<InputFeature>();
        var example = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var f in featurizer.Features)
        {
            switch (f.Kind)
            {
                case FeatureKind.Categorical:
                    features.Add(new InputFeature(f.Name, "category", f.Unit, f.Categories, true));
                    example[f.Name] = f.Categories.Count > 0 ? f.Categories[0] : null;
                    break;
                case FeatureKind.Boolean:
                    features.Add(new InputFeature(f.Name, "boolean", f.Unit, null, true));
                    example[f.Name] = f.Median >= 0.5;
                    break;
                default:
                    features.Add(new InputFeature(f.Name, "number", f.Unit, null, true));
                    // The median of an integer column may fall between two values (0.5 for a 0/1 column half of
                    // each); prediction refuses that for an integer, and the example must predict as it is.
                    example[f.Name] = f.Integer ? Math.Round(f.Median, MidpointRounding.AwayFromZero) : Math.Round(f.Median, 2);
                    break;
            }
        }

        return new InputSchema(features, example);
    }
}
