using System.Reflection;
using HealthAnalytics.Contracts;
using HealthAnalytics.Curated;
using HealthAnalytics.Training;

namespace HealthAnalytics.Config;

/// <summary>
/// The configuration shipped inside the app: <c>config/contracts/*.json</c> and <c>config/models/*.json</c>, embedded in
/// this assembly at build time, so every host (and every test) has them without copying files.
/// </summary>
public static class ShippedConfig
{
    /// <summary>(resource name, name, JSON) of every shipped document of <paramref name="kind"/>, by name.</summary>
    public static IEnumerable<(string Name, string Json)> Documents(ConfigKind kind)
    {
        var prefix = kind == ConfigKind.Contract ? "contracts/" : "models/";
        var assembly = typeof(ShippedConfig).Assembly;
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            yield return (resource[prefix.Length..^".json".Length], Read(assembly, resource));
        }
    }

    /// <summary>A shipped contract, validated (tests, tools and benchmarks use it as the reference).</summary>
    public static DatasetContract Contract(string dataset)
    {
        var (_, json) = Documents(ConfigKind.Contract).Single(d => d.Name == dataset);
        var result = ContractLoader.Load(json);
        return result.IsValid ? result.Contract! : throw new InvalidDataException("The shipped contract is invalid: " + string.Join("; ", result.Errors));
    }

    /// <summary>A shipped model spec, validated against the shipped contract of its dataset.</summary>
    public static ModelSpec Spec(string model)
    {
        var (_, json) = Documents(ConfigKind.ModelSpec).Single(d => d.Name == model);
        var result = ModelSpecReader.Load(json, dataset => CuratedSchema.Of(Contract(dataset)));
        return result.IsValid ? result.Spec! : throw new InvalidDataException("The shipped spec is invalid: " + string.Join("; ", result.Errors));
    }

    private static string Read(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
