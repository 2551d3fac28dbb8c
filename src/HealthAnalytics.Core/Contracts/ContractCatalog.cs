using System.Collections.Concurrent;
using System.Reflection;

namespace HealthAnalytics.Contracts;

/// <summary>An override (or shipped file) that failed validation and is therefore not in force.</summary>
public sealed record ContractCatalogError(string Dataset, string Source, IReadOnlyList<ContractError> Errors);

/// <summary>
/// The contracts in force: the shipped ones (embedded in this assembly from <c>config/contracts/</c>, plus an
/// optional folder) merged with operator overrides from <see cref="IContractOverrideSource"/>. An override
/// is applied whole or not at all: an invalid one is listed in <see cref="Errors"/> and the last valid
/// version of that dataset (shipped, or an earlier valid override) stays in force.
/// </summary>
public sealed class ContractCatalog
{
    private const string ResourcePrefix = "contracts/";
    private readonly IContractOverrideSource _overrides;
    private readonly ConcurrentDictionary<string, DatasetContract> _active = new(StringComparer.Ordinal);
    private readonly Lock _refreshLock = new();
    private IReadOnlyList<ContractCatalogError> _shippedErrors = [];
    private IReadOnlyList<ContractCatalogError> _errors = [];

    public ContractCatalog(IContractOverrideSource overrides, string? extraFolder = null)
    {
        ArgumentNullException.ThrowIfNull(overrides);
        _overrides = overrides;
        var errors = new List<ContractCatalogError>();
        foreach (var (source, json) in ShippedJson(extraFolder))
        {
            var result = ContractLoader.Load(json);
            if (result.IsValid)
            {
                _active[result.Contract!.Name] = result.Contract;
            }
            else
            {
                errors.Add(new ContractCatalogError(Path.GetFileNameWithoutExtension(source), source, result.Errors));
            }
        }

        _shippedErrors = errors;
        _errors = errors;
    }

    /// <summary>Problems found at the last load/refresh; empty when everything is in force.</summary>
    public IReadOnlyList<ContractCatalogError> Errors => _errors;

    /// <summary>Names of the datasets with a contract in force.</summary>
    public IReadOnlyCollection<string> Datasets => [.. _active.Keys.Order(StringComparer.Ordinal)];

    public bool TryGet(string dataset, out DatasetContract contract) => _active.TryGetValue(dataset, out contract!);

    /// <summary>
    /// Reads every override and applies the valid ones. Returns the errors of this pass. Safe to call
    /// concurrently with <see cref="TryGet"/>: each dataset's contract is swapped atomically.
    /// </summary>
    public async Task<IReadOnlyList<ContractCatalogError>> RefreshAsync(CancellationToken cancellationToken)
    {
        var overrides = await _overrides.GetOverridesAsync(cancellationToken);
        var errors = new List<ContractCatalogError>(_shippedErrors);
        lock (_refreshLock)
        {
            foreach (var o in overrides)
            {
                var result = ContractLoader.Load(o.Json);
                if (!result.IsValid)
                {
                    errors.Add(new ContractCatalogError(o.Dataset, "override", result.Errors));
                    continue;
                }

                if (!string.Equals(result.Contract!.Name, o.Dataset, StringComparison.Ordinal))
                {
                    errors.Add(new ContractCatalogError(o.Dataset, "override",
                        [new ContractError("$.name", $"names dataset '{result.Contract.Name}' but is stored as '{o.Dataset}'")]));
                    continue;
                }

                _active[o.Dataset] = result.Contract;
            }

            _errors = errors;
        }

        return errors;
    }

    private static IEnumerable<(string Source, string Json)> ShippedJson(string? extraFolder)
    {
        var assembly = typeof(ContractCatalog).Assembly;
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            yield return (name, ReadResource(assembly, name));
        }

        if (extraFolder is not null && Directory.Exists(extraFolder))
        {
            foreach (var file in Directory.EnumerateFiles(extraFolder, "*.json").Order(StringComparer.Ordinal))
            {
                yield return (Path.GetFileName(file), File.ReadAllText(file));
            }
        }
    }

    private static string ReadResource(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
