using HealthAnalytics.Contracts;

namespace HealthAnalytics.Ingestion;

/// <summary>The privacy roles of the contract an upload was checked against, stated in its report, with every
/// privacy waiver in force (docs/contracts.md, "Privacy floor"): a reader sees at once what was pseudonymized, dropped,
/// generalized or kept, and on whose approval.</summary>
/// <param name="Roles">Every contract column then every derived column, in contract order.</param>
/// <param name="Waivers">How many columns are kept under a waiver.</param>
public sealed record PrivacyInForce(IList<ColumnPrivacy> Roles, int Waivers)
{
    public static PrivacyInForce Of(DatasetContract contract)
    {
        ArgumentNullException.ThrowIfNull(contract);
        var roles = contract.Columns
            .Select(c => new ColumnPrivacy(c.Name, Name(c.Privacy), Generalization(c.Generalize), c.PrivacyWaiver))
            .Concat(contract.Derived.Select(d => new ColumnPrivacy(d.Name, Name(d.Privacy), d.TopCode is { } top ? $"top-coded at {top}" : null, null)))
            .ToList();
        return new PrivacyInForce(roles, roles.Count(r => r.Waiver is not null));
    }

    private static string Name(PrivacyRole role) => role.ToString().ToLowerInvariant();

    private static string? Generalization(GeneralizeSpec? g) => g switch
    {
        null => null,
        { Kind: GeneralizeKind.Prefix, Length: { } n } => $"prefix {n}",
        _ => g.Kind.ToString().ToLowerInvariant(),
    };
}

/// <param name="Column">Canonical column name (from the contract).</param>
/// <param name="Privacy"><c>identifier</c>, <c>direct</c>, <c>quasi</c>, <c>sensitive</c> or <c>none</c>.</param>
/// <param name="Generalization">For quasi-identifiers: <c>year</c>, <c>prefix N</c>, <c>drop</c>; top-coding of a derived column.</param>
/// <param name="Waiver">The contract's privacy waiver for this column, when it has one.</param>
public sealed record ColumnPrivacy(string Column, string Privacy, string? Generalization, PrivacyWaiver? Waiver);
