using System.Text.Json.Serialization;

namespace HealthAnalytics.Contracts;

/// <summary>
/// A dataset contract (config/contracts/{dataset}.json; format in docs/contracts.md). Immutable once
/// loaded: obtain one through <see cref="ContractLoader"/>, which also runs the semantic checks.
/// </summary>
public sealed record DatasetContract
{
    /// <summary>Editor hint only (<c>$schema</c>); ignored by the loader.</summary>
    [JsonPropertyName("$schema")]
    public string? Schema { get; init; }

    /// <summary>Dataset name; the second segment of an upload's blob name.</summary>
    public required string Name { get; init; }

    /// <summary>Contract version (semantic version), written into every report.</summary>
    public required string Version { get; init; }

    public string? Description { get; init; }

    public DialectSpec Dialect { get; init; } = new();

    /// <summary>Columns whose values identify a row; later rows with the same key are duplicates.</summary>
    public IReadOnlyList<string> PrimaryKey { get; init; } = [];

    /// <summary>Duplicate policy; only <c>first-wins</c> exists.</summary>
    public string Duplicates { get; init; } = "first-wins";

    public IReadOnlyList<ColumnSpec> Columns { get; init; } = [];

    public IReadOnlyList<DerivedColumnSpec> Derived { get; init; } = [];
}

/// <summary>How the file is written. Null members are sniffed (see docs/ingestion.md).</summary>
public sealed record DialectSpec
{
    /// <summary>One of <c>,</c> <c>;</c> <c>\t</c> <c>|</c>; null = sniffed from the header line.</summary>
    public string? Delimiter { get; init; }

    /// <summary><c>.</c> or <c>,</c>; null = <c>.</c>, plus <c>,</c> when the delimiter is not <c>,</c>.</summary>
    public string? DecimalSeparator { get; init; }

    /// <summary><c>utf-8</c>, <c>utf-16</c> or <c>windows-1252</c>; null = BOM, else strict UTF-8.</summary>
    public string? Encoding { get; init; }

    /// <summary>Accepted date formats, tried in order; tokens <c>yyyy</c>, <c>MM</c>, <c>dd</c> and literal separators.</summary>
    public IReadOnlyList<string> DateFormats { get; init; } = ["yyyy-MM-dd"];

    /// <summary>
    /// Cells that mean "missing" in every column (the trimmed cell equals one exactly, e.g. <c>NA</c>, <c>?</c>); null =
    /// <see cref="MissingValueRules.DefaultTokens"/> on every column except strings that are not identifiers (docs/contracts.md, "Missing values").
    /// </summary>
    public IReadOnlyList<string>? MissingValues { get; init; }
}

/// <summary>Value type of a column.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ColumnType>))]
public enum ColumnType
{
    [JsonStringEnumMemberName("string")] String,
    [JsonStringEnumMemberName("integer")] Integer,
    [JsonStringEnumMemberName("number")] Number,
    [JsonStringEnumMemberName("boolean")] Boolean,
    [JsonStringEnumMemberName("date")] Date,
    [JsonStringEnumMemberName("datetime")] DateTime,
    [JsonStringEnumMemberName("category")] Category,
}

/// <summary>What privacy treatment a column gets (docs/ingestion.md, "Privacy").</summary>
[JsonConverter(typeof(JsonStringEnumConverter<PrivacyRole>))]
public enum PrivacyRole
{
    /// <summary>Kept as is.</summary>
    [JsonStringEnumMemberName("none")] None,

    /// <summary>Kept; health data, never an identifier.</summary>
    [JsonStringEnumMemberName("sensitive")] Sensitive,

    /// <summary>Replaced by a keyed pseudonym (HMAC-SHA256).</summary>
    [JsonStringEnumMemberName("identifier")] Identifier,

    /// <summary>Dropped; never parsed beyond the field count.</summary>
    [JsonStringEnumMemberName("direct")] Direct,

    /// <summary>Generalized (see <see cref="GeneralizeSpec"/>), counted in k-anonymity.</summary>
    [JsonStringEnumMemberName("quasi")] Quasi,
}

/// <summary>How a quasi-identifier is generalized.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<GeneralizeKind>))]
public enum GeneralizeKind
{
    /// <summary>A date keeps its year (stored as 1 January of that year).</summary>
    [JsonStringEnumMemberName("year")] Year,

    /// <summary>A string keeps its first <see cref="GeneralizeSpec.Length"/> characters.</summary>
    [JsonStringEnumMemberName("prefix")] Prefix,

    /// <summary>Removed after derived columns are computed.</summary>
    [JsonStringEnumMemberName("drop")] Drop,
}

public sealed record GeneralizeSpec
{
    public required GeneralizeKind Kind { get; init; }

    /// <summary>Characters kept by <see cref="GeneralizeKind.Prefix"/>.</summary>
    public int? Length { get; init; }
}

/// <summary>Inclusive plausible range, in the column's canonical unit.</summary>
public sealed record RangeSpec
{
    public double? Min { get; init; }
    public double? Max { get; init; }
}

/// <summary><c>canonical = value * factor + offset</c>.</summary>
public sealed record UnitConversion
{
    public required double Factor { get; init; }
    public double Offset { get; init; }
}

/// <summary>One column of the file.</summary>
public sealed record ColumnSpec
{
    /// <summary>Canonical name (snake_case), the curated column name.</summary>
    public required string Name { get; init; }

    /// <summary>Other header names accepted for this column (compared after normalization).</summary>
    public IReadOnlyList<string> Aliases { get; init; } = [];

    public required ColumnType Type { get; init; }

    public bool Required { get; init; }

    /// <summary>For dates: a value after the ingestion day (UTC) is a <c>future-date</c> violation.</summary>
    public bool NotAfterToday { get; init; }

    public PrivacyRole Privacy { get; init; } = PrivacyRole.None;

    public GeneralizeSpec? Generalize { get; init; }

    /// <summary>For categories: canonical value → aliases.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>>? Categories { get; init; }

    /// <summary>For strings: .NET regular expression the value must match (after upper-casing when set).</summary>
    public string? Pattern { get; init; }

    /// <summary>For strings: values are upper-cased (counted as a fix when that changed them).</summary>
    public bool UpperCase { get; init; }

    /// <summary>Canonical unit of numbers; a cell may carry it as a suffix.</summary>
    public string? Unit { get; init; }

    /// <summary>Other units accepted, converted to <see cref="Unit"/> (a fix).</summary>
    public IReadOnlyDictionary<string, UnitConversion>? Units { get; init; }

    /// <summary>Header aliases that also set the unit of every cell of the column (header → unit key of <see cref="Units"/>).</summary>
    public IReadOnlyDictionary<string, string>? HeaderUnits { get; init; }

    public RangeSpec? Range { get; init; }

    /// <summary>Missing-value tokens of this column, replacing the dialect's (<c>[]</c>: none).</summary>
    public IReadOnlyList<string>? MissingValues { get; init; }

    /// <summary>For integers and numbers: values that mean "not measured" (e.g. <c>0</c>), read as missing.</summary>
    public IReadOnlyList<double>? MissingWhen { get; init; }

    /// <summary>What an invalid cell does: quarantine its row (default) or become missing (a fix).</summary>
    public InvalidCellAction OnInvalid { get; init; } = InvalidCellAction.QuarantineRow;
}

/// <summary>What an invalid cell of a column does (docs/contracts.md, "Missing values").</summary>
[JsonConverter(typeof(JsonStringEnumConverter<InvalidCellAction>))]
public enum InvalidCellAction
{
    /// <summary>The row is quarantined (the cell's rule counts as a violation).</summary>
    [JsonStringEnumMemberName("quarantine-row")] QuarantineRow,

    /// <summary>The cell becomes missing and the row is kept; counted per column and rule as a fix.</summary>
    [JsonStringEnumMemberName("set-missing")] SetMissing,
}

/// <summary>Functions a derived column can be computed with.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DerivedFunction>))]
public enum DerivedFunction
{
    /// <summary>Whole years between two dates (age at an event).</summary>
    [JsonStringEnumMemberName("years-between")] YearsBetween,

    /// <summary>Days between two dates (may be negative, then caught by the range).</summary>
    [JsonStringEnumMemberName("days-between")] DaysBetween,
}

/// <summary>A column computed from others after cell checks.</summary>
public sealed record DerivedColumnSpec
{
    public required string Name { get; init; }

    /// <summary>Only <c>integer</c> is produced by the shipped functions.</summary>
    public ColumnType Type { get; init; } = ColumnType.Integer;

    public required DerivedFunction Function { get; init; }

    /// <summary>Input columns, in order (start, end).</summary>
    public required IReadOnlyList<string> From { get; init; }

    public string? Unit { get; init; }

    public RangeSpec? Range { get; init; }

    /// <summary>Values at or above this are reported as this (age 95 → 90).</summary>
    public int? TopCode { get; init; }

    public PrivacyRole Privacy { get; init; } = PrivacyRole.Sensitive;
}
