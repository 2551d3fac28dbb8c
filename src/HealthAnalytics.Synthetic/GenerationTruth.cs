using System.Text.Json;
using System.Text.Json.Serialization;

namespace HealthAnalytics.Synthetic;

/// <summary>
/// What a correct ingestion report must show for a generated file (docs/ingestion.md), plus the
/// ground truth of the latent subgroups and readmission model. Serialized as <c>*.truth.json</c>.
/// </summary>
public sealed record GenerationTruth
{
    public required GeneratorOptions Options { get; init; }

    /// <summary>Header cells as written (aliases in the French dialect or with mmol/L glucose).</summary>
    public required IList<string> Header { get; init; }
    public required string Delimiter { get; init; }
    public required string DecimalSeparator { get; init; }
    public required string DateFormat { get; init; }

    public required TruthRows Rows { get; init; }

    /// <summary>Expected <c>violationsByRule</c> (rules with zero violations are omitted).</summary>
    public required IDictionary<string, long> ViolationsByRule { get; init; }

    /// <summary>Per canonical column (contract order, then derived columns): missing and fixed over
    /// output rows, invalid over all rows.</summary>
    public required IList<TruthColumn> Columns { get; init; }

    /// <summary>How many records carry each planted defect kind (clean rows under <c>None</c>).</summary>
    public required IDictionary<string, long> Defects { get; init; }

    /// <summary>K, the number of latent subgroups.</summary>
    public required int Subgroups { get; init; }

    /// <summary>Per subgroup, over output rows: name, size and feature means.</summary>
    public required IList<TruthSubgroup> SubgroupProfiles { get; init; }

    /// <summary>AUC of the true readmission probabilities (rounded to 5 decimals, as in the
    /// ground-truth file) against the sampled labels, over output rows: the best any model can do.</summary>
    public required double BayesAuc { get; init; }

    /// <summary>Share of output rows with <c>readmitted_30d</c> true.</summary>
    public required double PositiveRate { get; init; }

    /// <summary>Every planted PII value (distinct per patient), by kind, up to
    /// <see cref="GeneratorOptions.MaxPiiValues"/> in total.</summary>
    public required TruthPii Pii { get; init; }
    public required bool PiiTruncated { get; init; }

    public long Bytes { get; init; }

    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };
}

/// <param name="Read">Records after the header; = Blank + Quarantined + Duplicate + Kept + Fixed.</param>
public sealed record TruthRows(long Read, long Kept, long Fixed, long Quarantined, long Duplicate, long Blank)
{
    /// <summary>Rows in the curated output.</summary>
    public long Written => Kept + Fixed;
}

public sealed record TruthColumn(string Name, long Missing, long Invalid, long Fixed);

public sealed record TruthSubgroup(int Subgroup, string Name, long Rows, IDictionary<string, double> Means);

public sealed record TruthPii
{
    public IList<string> EncounterIds { get; init; } = [];
    public IList<string> PatientIds { get; init; } = [];
    public IList<string> FirstNames { get; init; } = [];
    public IList<string> LastNames { get; init; } = [];
    public IList<string> Emails { get; init; } = [];
    public IList<string> Phones { get; init; } = [];
    public IList<string> Nirs { get; init; } = [];
    public IList<string> Addresses { get; init; } = [];

    /// <summary>Birth dates as written in the file (dialect's date format).</summary>
    public IList<string> BirthDates { get; init; } = [];
    public IList<string> PostalCodes { get; init; } = [];

    /// <summary>Every value of every kind, de-duplicated.</summary>
    public IEnumerable<string> All() =>
        EncounterIds.Concat(PatientIds).Concat(FirstNames).Concat(LastNames).Concat(Emails).Concat(Phones)
            .Concat(Nirs).Concat(Addresses).Concat(BirthDates).Concat(PostalCodes).Distinct(StringComparer.Ordinal);
}
