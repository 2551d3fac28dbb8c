using System.ComponentModel.DataAnnotations;
using System.Text;
using HealthAnalytics.Contracts;
using HealthAnalytics.Curated;
using HealthAnalytics.Training;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HealthAnalytics.Config;

/// <summary>Settings of the configuration catalog (section <c>Config</c>).</summary>
public sealed class ConfigOptions
{
    public const string SectionName = "Config";

    /// <summary>How long a snapshot is served before the store is listed again: a document dropped into
    /// <c>config/</c> (or written by another instance) is in force everywhere within this time.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Largest document accepted; a larger stored one is refused from its listed size, never downloaded.</summary>
    [Range(1024, 1024 * 1024)]
    public int MaxDocumentBytes { get; set; } = 1024 * 1024;

    /// <summary>Most documents of each kind read from the store.</summary>
    [Range(1, 100_000)]
    public int MaxDocuments { get; set; } = 1000;
}

/// <summary>
/// The one source of configuration in force: dataset contracts and model specs, shipped with the app and stored by
/// operators (blob container <c>config</c>, or <c>PUT /api/config/...</c>). Every consumer — ingestion, spec validation,
/// training, prediction, the model and config routes — reads the same <see cref="ConfigSnapshot"/>.
/// <list type="bullet">
/// <item>A stored document replaces the shipped one of the same name when it is valid. A refused document (invalid,
/// too large, badly named, or a spec that does not fit its dataset's contract) never replaces the valid version in
/// force: the last valid stored version, else the shipped one, stays.</item>
/// <item>The store is listed at most every <see cref="ConfigOptions.RefreshInterval"/> with one refresh in flight;
/// callers meanwhile get the current snapshot. A document is downloaded and parsed once per stored version (ETag),
/// after its listed size is checked against the cap, and a refusal is logged once per version.</item>
/// </list>
/// </summary>
public sealed partial class ConfigCatalog(IConfigStore store, IOptions<ConfigOptions> options, TimeProvider time, ILogger<ConfigCatalog> log)
    : IDatasetContractProvider, IDisposable
{
    private readonly ConfigOptions _options = options.Value;
    private readonly SemaphoreSlim _gate = new(1, 1);

    // Parse results by stored version, pruned to what the last listing held: a document is read and parsed once.
    private readonly Dictionary<(ConfigKind Kind, string Key, string Version), Parsed> _parsed = [];

    // The last valid stored version of each name, kept in force while a newer version is refused.
    private readonly Dictionary<string, InForce<DatasetContract>> _lastValidContracts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (InForce<ModelSpec> Spec, ModelSpec Unchecked)> _lastValidSpecs = new(StringComparer.Ordinal);
    private readonly HashSet<(ConfigKind Kind, string Key, string Version)> _logged = [];
    private volatile ConfigSnapshot? _snapshot;

    /// <summary>Largest document a write or a stored document may be.</summary>
    public int MaxDocumentBytes => _options.MaxDocumentBytes;

    /// <summary>The snapshot in force, refreshed when older than the refresh interval. When the store cannot be read,
    /// the last snapshot keeps serving (the first one has the shipped configuration at least).</summary>
    public async ValueTask<ConfigSnapshot> CurrentAsync(CancellationToken cancellationToken)
    {
        var current = _snapshot;
        if (current is not null && time.GetUtcNow() - current.RefreshedAt < _options.RefreshInterval)
        {
            return current;
        }

        // One refresh in flight: while it runs, others answer with the snapshot they have.
        if (current is not null)
        {
            if (!await _gate.WaitAsync(0, cancellationToken))
            {
                return current;
            }
        }
        else
        {
            await _gate.WaitAsync(cancellationToken);
        }

        try
        {
            if (_snapshot is { } fresh && !ReferenceEquals(fresh, current) && time.GetUtcNow() - fresh.RefreshedAt < _options.RefreshInterval)
            {
                return fresh;
            }

            return _snapshot = await BuildAsync(cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogRefreshFailed(log, ex.GetType().Name);
            return _snapshot ??= Shipped();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Lists the store now (after a write elsewhere, or in tests) and returns the new snapshot.</summary>
    public async Task<ConfigSnapshot> RefreshAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            return _snapshot = await BuildAsync(cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Validates a document as the catalog would (a spec against the contract of its dataset in force) and stores it
    /// only when it has no error; the new snapshot is in force in this instance at once, in the others within the
    /// refresh interval. A refused write changes nothing.
    /// </summary>
    public async Task<ConfigWriteResult> PutAsync(ConfigKind kind, string name, string json, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (!ConfigNames.IsValid(name))
        {
            return new([new ConfigError("$.name", "must be " + ConfigNames.Rule)], false);
        }

        if (Encoding.UTF8.GetByteCount(json) > _options.MaxDocumentBytes)
        {
            return new([TooLarge()], false);
        }

        var current = await CurrentAsync(cancellationToken);
        var errors = kind == ConfigKind.Contract
            ? ContractErrors(ContractLoader.Load(json), name)
            : SpecErrors(ModelSpecReader.Load(json, dataset => SchemaOf(current.Contracts, dataset), "store"), name);
        if (errors.Count > 0)
        {
            return new(errors, false);
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            var created = await store.WriteAsync(kind, name, json, cancellationToken);
            _snapshot = await BuildAsync(cancellationToken);
            LogStored(log, kind, name, created);
            return new([], created);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Ingestion's and prediction's view: the contract in force for a dataset, or null.</summary>
    public async Task<DatasetContract?> FindAsync(string dataset, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        return (await CurrentAsync(cancellationToken)).Contract(dataset);
    }

    public void Dispose() => _gate.Dispose();

    private static CuratedSchema? SchemaOf(IReadOnlyDictionary<string, InForce<DatasetContract>> contracts, string dataset) =>
        contracts.TryGetValue(dataset, out var c) ? CuratedSchema.Of(c.Value) : null;

    private ConfigError TooLarge() => new("$", $"is larger than the {_options.MaxDocumentBytes / 1024} KiB limit");

    private static List<ConfigError> ContractErrors(ContractLoadResult result, string name)
    {
        var errors = result.Errors.ToList();
        if (result.Contract is { } c && !string.Equals(c.Name, name, StringComparison.Ordinal))
        {
            errors.Add(new ConfigError("$.name", "differs from the name the document is stored under"));
        }

        return errors;
    }

    private static List<ConfigError> SpecErrors(ModelSpecLoadResult result, string name)
    {
        var errors = result.Errors.ToList();
        if (result.Spec is { } s && !string.Equals(s.Name, name, StringComparison.Ordinal))
        {
            errors.Add(new ConfigError("$.name", "differs from the name the document is stored under"));
        }

        return errors;
    }

    /// <summary>The shipped configuration alone (the store could not be read for the first snapshot).</summary>
    private ConfigSnapshot Shipped() => Assemble([], new Dictionary<StoredConfig, Parsed>(), time.GetUtcNow());

    private async Task<ConfigSnapshot> BuildAsync(CancellationToken cancellationToken)
    {
        var listed = await store.ListAsync(_options.MaxDocuments, cancellationToken);
        var parsed = new Dictionary<StoredConfig, Parsed>();
        foreach (var doc in listed)
        {
            var key = (doc.Kind, doc.Key, doc.Version);
            if (!_parsed.TryGetValue(key, out var result))
            {
                result = await ParseAsync(doc, cancellationToken);
                if (result is null)
                {
                    continue; // changed or deleted since the listing: the next refresh sees its new version
                }

                _parsed[key] = result;
            }

            parsed[doc] = result;
        }

        // Forget what is no longer stored: a deleted override falls back to the shipped document.
        var live = listed.Select(d => (d.Kind, d.Key, d.Version)).ToHashSet();
        foreach (var stale in _parsed.Keys.Where(k => !live.Contains(k)).ToList())
        {
            _parsed.Remove(stale);
        }

        foreach (var name in _lastValidContracts.Keys.Where(n => !listed.Any(d => d.Kind == ConfigKind.Contract && d.Name == n)).ToList())
        {
            _lastValidContracts.Remove(name);
        }

        foreach (var name in _lastValidSpecs.Keys.Where(n => !listed.Any(d => d.Kind == ConfigKind.ModelSpec && d.Name == n)).ToList())
        {
            _lastValidSpecs.Remove(name);
        }

        var snapshot = Assemble(listed, parsed, time.GetUtcNow());
        foreach (var refused in snapshot.Refused.Where(r => r.Source == "store"))
        {
            if (_logged.Add((refused.Kind, refused.Key, refused.Version)))
            {
                LogRefused(log, refused.Kind, refused.Key, refused.Errors.Count, refused.PreviousInForce);
            }
        }

        return snapshot;
    }

    private async Task<Parsed?> ParseAsync(StoredConfig doc, CancellationToken cancellationToken)
    {
        if (doc.Name is null)
        {
            return new Parsed(null, null, [new ConfigError("$", "is stored under a name that breaks the naming rule (" + ConfigNames.Rule + ")")]);
        }

        if (doc.Bytes > _options.MaxDocumentBytes)
        {
            return new Parsed(null, null, [TooLarge()]);
        }

        var json = await store.ReadAsync(doc, cancellationToken);
        if (json is null)
        {
            return null;
        }

        if (doc.Kind == ConfigKind.Contract)
        {
            var result = ContractLoader.Load(json);
            var errors = ContractErrors(result, doc.Name);
            return new Parsed(errors.Count == 0 ? result.Contract : null, null, errors);
        }

        var shape = ModelSpecReader.Deserialize(json);
        var shapeErrors = SpecShapeErrors(shape, doc.Name);
        return new Parsed(null, shapeErrors.Count == 0 ? shape.Spec : null, shapeErrors);
    }

    private static List<ConfigError> SpecShapeErrors(ModelSpecLoadResult shape, string name)
    {
        var errors = shape.Errors.ToList();
        if (shape.Spec is { } s && !string.Equals(s.Name, name, StringComparison.Ordinal))
        {
            errors.Add(new ConfigError("$.name", "differs from the name the document is stored under"));
        }

        return errors;
    }

    private ConfigSnapshot Assemble(IReadOnlyList<StoredConfig> listed, IReadOnlyDictionary<StoredConfig, Parsed> parsed, DateTimeOffset now)
    {
        var refused = new List<RefusedConfig>();
        var contracts = new SortedDictionary<string, InForce<DatasetContract>>(StringComparer.Ordinal);
        foreach (var (name, json) in ShippedConfig.Documents(ConfigKind.Contract))
        {
            var result = ContractLoader.Load(json);
            var errors = ContractErrors(result, name);
            if (errors.Count == 0)
            {
                contracts[name] = new(result.Contract!, "shipped", "shipped");
            }
            else
            {
                refused.Add(new RefusedConfig(ConfigKind.Contract, name, "shipped", "shipped", errors, false));
            }
        }

        foreach (var (doc, p) in parsed.Where(p => p.Key.Kind == ConfigKind.Contract).OrderBy(p => p.Key.Key, StringComparer.Ordinal))
        {
            if (p.Contract is not null)
            {
                contracts[doc.Name!] = _lastValidContracts[doc.Name!] = new(p.Contract, "store", doc.Version);
                continue;
            }

            // Refused: the last valid stored version, else the shipped one, stays in force.
            var previous = doc.Name is not null && _lastValidContracts.TryGetValue(doc.Name, out var last) ? last : null;
            if (previous is not null)
            {
                contracts[doc.Name!] = previous;
            }

            refused.Add(new RefusedConfig(ConfigKind.Contract, doc.Key, "store", doc.Version, p.Errors, doc.Name is not null && contracts.ContainsKey(doc.Name)));
        }

        var specs = new SortedDictionary<string, InForce<ModelSpec>>(StringComparer.Ordinal);
        ModelSpecLoadResult Check(ModelSpec spec, string source) => ModelSpecReader.Check(spec, d => SchemaOf(contracts, d), source);
        foreach (var (name, json) in ShippedConfig.Documents(ConfigKind.ModelSpec))
        {
            var shape = ModelSpecReader.Deserialize(json);
            var result = shape.Spec is null ? shape : Check(shape.Spec, "shipped");
            var errors = SpecErrors(result, name);
            if (errors.Count == 0)
            {
                specs[name] = new(result.Spec!, "shipped", "shipped");
            }
            else
            {
                refused.Add(new RefusedConfig(ConfigKind.ModelSpec, name, "shipped", "shipped", errors, false));
            }
        }

        foreach (var (doc, p) in parsed.Where(p => p.Key.Kind == ConfigKind.ModelSpec).OrderBy(p => p.Key.Key, StringComparer.Ordinal))
        {
            var result = p.Spec is null ? new ModelSpecLoadResult(null, p.Errors) : Check(p.Spec, "store");
            if (result.IsValid)
            {
                var inForce = new InForce<ModelSpec>(result.Spec!, "store", doc.Version);
                specs[doc.Name!] = inForce;
                _lastValidSpecs[doc.Name!] = (inForce, p.Spec!);
                continue;
            }

            // Refused: an earlier valid stored version stays in force if it still fits the contracts in force.
            if (doc.Name is not null && _lastValidSpecs.TryGetValue(doc.Name, out var last) && Check(last.Unchecked, "store").IsValid)
            {
                specs[doc.Name] = last.Spec;
            }
            else if (doc.Name is not null && p.Spec is not null && specs.TryGetValue(doc.Name, out var shipped) && shipped.Source == "shipped")
            {
                // The stored spec is well-formed but does not fit: the shipped one of that name keeps serving.
                specs[doc.Name] = shipped;
            }

            refused.Add(new RefusedConfig(ConfigKind.ModelSpec, doc.Key, "store", doc.Version, result.Errors, doc.Name is not null && specs.ContainsKey(doc.Name)));
        }

        return new ConfigSnapshot(contracts, specs, refused, now);
    }

    /// <summary>One stored version, parsed: a contract, a spec (shape-checked only: its fit depends on the contracts
    /// in force at each refresh), or the errors that refuse it.</summary>
    private sealed record Parsed(DatasetContract? Contract, ModelSpec? Spec, IReadOnlyList<ConfigError> Errors);

    [LoggerMessage(EventId = 2600, Level = LogLevel.Warning, Message = "Configuration {Kind} {Key} is refused ({ErrorCount} errors; an earlier version stays in force: {PreviousInForce}); see GET /api/config")]
    private static partial void LogRefused(ILogger logger, ConfigKind kind, string key, int errorCount, bool previousInForce);

    [LoggerMessage(EventId = 2601, Level = LogLevel.Warning, Message = "Reading the configuration store failed ({Reason}); the configuration in force keeps serving")]
    private static partial void LogRefreshFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 2602, Level = LogLevel.Information, Message = "Configuration {Kind} {Name} stored (new: {Created})")]
    private static partial void LogStored(ILogger logger, ConfigKind kind, string name, bool created);
}
