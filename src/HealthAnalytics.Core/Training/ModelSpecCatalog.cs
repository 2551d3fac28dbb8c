using HealthAnalytics.Curated;
using Microsoft.Extensions.Logging;

namespace HealthAnalytics.Training;

/// <summary>Runtime additions/overrides of model specs (blob container <c>config</c>, prefix <c>models/</c>).</summary>
public interface IModelSpecOverrides
{
    /// <summary>Spec JSON documents by model file name (without <c>.json</c>).</summary>
    Task<IReadOnlyDictionary<string, string>> ListAsync(CancellationToken cancellationToken);
}

/// <summary>Dataset contracts as training sees them.</summary>
public interface IDatasetSchemaProvider
{
    Task<DatasetSchema?> GetAsync(string dataset, CancellationToken cancellationToken);
}

/// <summary>Reads shipped contracts from <c>{configDirectory}/contracts/{dataset}.json</c>.</summary>
public sealed class FileDatasetSchemaProvider(string configDirectory) : IDatasetSchemaProvider
{
    public async Task<DatasetSchema?> GetAsync(string dataset, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataset);
        if (dataset.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_')))
        {
            return null;
        }

        var path = Path.Combine(configDirectory, "contracts", dataset + ".json");
        return File.Exists(path) ? DatasetSchema.Parse(await File.ReadAllTextAsync(path, cancellationToken)) : null;
    }
}

/// <summary>
/// The model specs in force: shipped files under <c>{configDirectory}/models</c>, then blob overrides
/// (a blob spec with the same name replaces the shipped one). Invalid specs are left out and logged.
/// </summary>
public sealed partial class ModelSpecCatalog(string configDirectory, IModelSpecOverrides? overrides, IDatasetSchemaProvider schemas, ILogger<ModelSpecCatalog> log)
{
    public async Task<IReadOnlyList<ModelSpec>> ListAsync(CancellationToken cancellationToken)
    {
        var texts = new List<(string Text, string Source, string Origin)>();
        var dir = Path.Combine(configDirectory, "models");
        if (Directory.Exists(dir))
        {
            foreach (var file in Directory.EnumerateFiles(dir, "*.json").Order(StringComparer.Ordinal))
            {
                texts.Add((await File.ReadAllTextAsync(file, cancellationToken), "shipped", Path.GetFileNameWithoutExtension(file)));
            }
        }

        if (overrides is not null)
        {
            foreach (var (name, text) in (await overrides.ListAsync(cancellationToken)).OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                texts.Add((text, "blob", name));
            }
        }

        var byName = new SortedDictionary<string, ModelSpec>(StringComparer.Ordinal);
        foreach (var (text, source, origin) in texts)
        {
            try
            {
                var spec = ModelSpecReader.Parse(text, source);
                var schema = await schemas.GetAsync(spec.Dataset, cancellationToken);
                var errors = ModelSpecReader.Validate(spec, schema);
                if (schema is null || errors.Count > 0)
                {
                    LogInvalidSpec(log, origin, source, errors.Count + (schema is null ? 1 : 0));
                    continue;
                }

                byName[spec.Name] = spec;
            }
            catch (ModelSpecException)
            {
                LogInvalidSpec(log, origin, source, 1);
            }
        }

        return [.. byName.Values];
    }

    public async Task<ModelSpec?> GetAsync(string name, CancellationToken cancellationToken) =>
        (await ListAsync(cancellationToken)).FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.Ordinal));

    [LoggerMessage(EventId = 3109, Level = LogLevel.Warning, Message = "Model spec {SpecFile} from {Source} is invalid ({ErrorCount} errors) and is ignored")]
    private static partial void LogInvalidSpec(ILogger logger, string specFile, string source, int errorCount);
}
