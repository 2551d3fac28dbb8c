using HealthAnalytics.Contracts;
using HealthAnalytics.Training;

namespace HealthAnalytics.Config;

/// <summary>The two kinds of configuration document.</summary>
public enum ConfigKind
{
    /// <summary>A dataset contract: <c>config/contracts/{dataset}.json</c>.</summary>
    Contract,

    /// <summary>A model spec: <c>config/models/{model}.json</c>.</summary>
    ModelSpec,
}

/// <summary>A stored document as listed (no content yet).</summary>
/// <param name="Name">The dataset or model name, or null when the stored name breaks the naming rule.</param>
/// <param name="Key">A stable, displayable key: the name, or a hash of a stored name that breaks the rule (never
/// echoed: a hostile name may carry anything).</param>
/// <param name="Version">The stored version (an ETag); a new version is read and validated once.</param>
/// <param name="Bytes">The stored size, checked against the cap before anything is downloaded.</param>
public sealed record StoredConfig(ConfigKind Kind, string? Name, string Key, string Version, long Bytes);

/// <summary>Where operators keep configuration at run time (in Azure: the blob container <c>config</c>).</summary>
public interface IConfigStore
{
    /// <summary>Every document under <c>contracts/</c> and <c>models/</c>, at most <paramref name="max"/> of each kind.</summary>
    Task<IReadOnlyList<StoredConfig>> ListAsync(int max, CancellationToken cancellationToken);

    /// <summary>The text of exactly that version, or null when it changed or vanished since it was listed.</summary>
    Task<string?> ReadAsync(StoredConfig document, CancellationToken cancellationToken);

    /// <summary>Stores a document (replacing the current version). Returns true when it created a new one.</summary>
    Task<bool> WriteAsync(ConfigKind kind, string name, string json, CancellationToken cancellationToken);
}

/// <summary>A document in force and where it came from.</summary>
/// <param name="Source"><c>shipped</c> (in the app) or <c>store</c> (the <c>config</c> container).</param>
/// <param name="Version"><c>shipped</c>, or the stored version (ETag).</param>
public sealed record InForce<T>(T Value, string Source, string Version);

/// <summary>A document that is not in force, with every error found in it.</summary>
/// <param name="Key">The document's name, or a hash of a stored name that breaks the naming rule.</param>
/// <param name="PreviousInForce">Whether an earlier valid version of the same name stays in force instead.</param>
public sealed record RefusedConfig(ConfigKind Kind, string Key, string Source, string Version, IReadOnlyList<ConfigError> Errors, bool PreviousInForce);

/// <summary>The configuration in force at one moment: immutable, swapped whole by a refresh.</summary>
public sealed record ConfigSnapshot(
    IReadOnlyDictionary<string, InForce<DatasetContract>> Contracts,
    IReadOnlyDictionary<string, InForce<ModelSpec>> Specs,
    IReadOnlyList<RefusedConfig> Refused,
    DateTimeOffset RefreshedAt)
{
    public DatasetContract? Contract(string dataset) => Contracts.TryGetValue(dataset, out var c) ? c.Value : null;

    public ModelSpec? Spec(string model) => Specs.TryGetValue(model, out var s) ? s.Value : null;

    /// <summary>Every spec in force, by name.</summary>
    public IReadOnlyList<ModelSpec> AllSpecs => [.. Specs.Values.Select(s => s.Value).OrderBy(s => s.Name, StringComparer.Ordinal)];
}

/// <summary>The outcome of a write: refused with every error (nothing stored), or stored (created or replaced).</summary>
public sealed record ConfigWriteResult(IReadOnlyList<ConfigError> Errors, bool Created)
{
    public bool Stored => Errors.Count == 0;
}
