using HealthAnalytics.Contracts;

namespace HealthAnalytics.Curated;

/// <summary>
/// The columns of a dataset's curated Parquet, as ingestion writes them and training reads them, derived from the
/// dataset's contract (the one contract model; there is no second parser of contract JSON). Identifiers are present
/// as pseudonyms; direct identifiers and quasi-identifiers generalized with <c>drop</c> are absent.
/// </summary>
public sealed record CuratedSchema(string Dataset, string ContractVersion, IReadOnlyList<string> PrimaryKey, IReadOnlyList<CuratedColumn> Columns)
{
    public CuratedColumn? Find(string name) => Columns.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.Ordinal));

    public static CuratedSchema Of(DatasetContract contract)
    {
        ArgumentNullException.ThrowIfNull(contract);
        var columns = new List<CuratedColumn>(contract.Columns.Count + contract.Derived.Count);
        foreach (var c in contract.Columns)
        {
            columns.Add(new CuratedColumn(
                c.Name, c.Type, c.Privacy, c.Unit, c.Categories is null ? [] : [.. c.Categories.Keys], Derived: false,
                Dropped: IsDropped(c.Privacy, c.Generalize), Contract: c));
        }

        foreach (var d in contract.Derived)
        {
            columns.Add(new CuratedColumn(d.Name, d.Type, d.Privacy, d.Unit, [], Derived: true, Dropped: false));
        }

        return new CuratedSchema(contract.Name, contract.Version, contract.PrimaryKey, columns);
    }

    /// <summary>Whether a column of this privacy role and generalization is left out of curated data.</summary>
    public static bool IsDropped(PrivacyRole privacy, GeneralizeSpec? generalize) =>
        privacy == PrivacyRole.Direct || generalize?.Kind == GeneralizeKind.Drop;
}

/// <param name="Type">The contract type (identifiers are stored as pseudonym strings whatever their type).</param>
/// <param name="Categories">The contract's closed category list (canonical values), empty when open.</param>
/// <param name="Dropped">Not present in curated Parquet (direct, or generalized away).</param>
/// <param name="Contract">The contract's column (null for a derived column): how a value of it is normalized
/// (<see cref="HealthAnalytics.Ingestion.ColumnNormalizer"/>), e.g. a label's positive values.</param>
public sealed record CuratedColumn(string Name, ColumnType Type, PrivacyRole Privacy, string? Unit, IReadOnlyList<string> Categories, bool Derived, bool Dropped, ColumnSpec? Contract = null);
