using HealthAnalytics.Curated;
using HealthAnalytics.Config;

namespace HealthAnalytics.Training.Tests.Support;

internal static class Repo
{
    /// <summary>The repository's <c>config/</c> folder (shipped contracts and model specs).</summary>
    public static string ConfigDirectory { get; } = FindConfig();

    public static CuratedSchema Encounters { get; } = CuratedSchema.Of(ShippedConfig.Contract("encounters"));

    public static ModelSpec Spec(string name) => ModelSpecReader.Parse(File.ReadAllText(Path.Combine(ConfigDirectory, "models", name + ".json")));

    /// <summary>Every column a shipped spec or the group metrics read, with its kind.</summary>
    public static IReadOnlyDictionary<string, FeatureKind> TrainingColumns()
    {
        var columns = new Dictionary<string, FeatureKind>(StringComparer.Ordinal);
        foreach (var spec in new[] { Spec("readmission-risk"), Spec("patient-subgroups") })
        {
            foreach (var f in spec.Features)
            {
                columns[f.Name] = ModelSpecReader.KindOf(f, Encounters);
            }
        }

        columns["readmitted_30d"] = FeatureKind.Boolean;
        columns["sex"] = FeatureKind.Categorical;
        return columns;
    }

    public static async Task<TrainingTable> ReadAsync(params byte[][] parquetFiles)
    {
        var opens = parquetFiles.Select(bytes => (Func<CancellationToken, Task<Stream>>)(_ => Task.FromResult<Stream>(new MemoryStream(bytes)))).ToList();
        var (table, _) = await CuratedTableReader.ReadAsync(opens, TrainingColumns(), Encounters.PrimaryKey, CancellationToken.None);
        return table;
    }

    private static string FindConfig()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "HealthAnalytics.slnx")))
            {
                return Path.Combine(dir.FullName, "config");
            }
        }

        throw new InvalidOperationException("Repository root (HealthAnalytics.slnx) not found above the test binaries.");
    }
}
