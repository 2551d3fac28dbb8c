namespace HealthAnalytics.Ingestion;

/// <summary>How an upload ended.</summary>
public enum UploadOutcome
{
    /// <summary>Curated Parquet was produced (possibly with 0 rows).</summary>
    Curated,

    /// <summary>The file as a whole was refused; no curated output.</summary>
    Rejected,

    /// <summary>Processing kept failing (storage, a bug) until the attempt budget ran out; no curated output.
    /// <see cref="QualityReport.Rejection"/> holds the reason (rule <c>ingestion-failed</c>).</summary>
    Failed,
}

/// <summary>
/// The data-quality report of one upload (JSON at <c>reports/{dataset}/{uploadId}.json</c>).
/// Holds counts, rules, positions and aggregates only: never a raw value of an identifier,
/// direct or quasi column. See docs/ingestion.md for what each count means.
/// </summary>
public sealed record QualityReport
{
    /// <summary>Smallest count a chart, histogram bin or category of the report's pictures shows (no small cells).</summary>
    public const int MinCellRows = 10;

    public required string UploadId { get; init; }
    public required string Partner { get; init; }
    public required string Dataset { get; init; }
    public required string FileName { get; init; }
    public required string ContractName { get; init; }
    public required string ContractVersion { get; init; }
    public required string InputSha256 { get; init; }
    public required UploadOutcome Outcome { get; init; }

    /// <summary>Why the whole file was refused; null when curated.</summary>
    public FileRejection? Rejection { get; init; }

    public DialectReport? Dialect { get; init; }
    public RowCounts Rows { get; init; } = new();
    public IDictionary<string, long> ViolationsByRule { get; init; } = new SortedDictionary<string, long>(StringComparer.Ordinal);

    /// <summary>Cells of output rows read as missing, by reason (<c>missing-token</c>, <c>missing-when</c>): not violations.</summary>
    public IDictionary<string, long> MissingByRule { get; init; } = new SortedDictionary<string, long>(StringComparer.Ordinal);

    /// <summary>Invalid cells of output rows set missing by <c>onInvalid: set-missing</c>, by the rule they broke (fixes).</summary>
    public IDictionary<string, long> SetMissingByRule { get; init; } = new SortedDictionary<string, long>(StringComparer.Ordinal);
    public IList<ColumnReport> Columns { get; init; } = [];
    public IList<UnknownColumn> UnknownColumns { get; init; } = [];

    /// <summary>The first 100 quarantined rows, as positions and rules only.</summary>
    public IList<RejectedRow> RejectedRows { get; init; } = [];

    /// <summary>Smallest group size over <see cref="QuasiIdentifiers"/> among output rows; null with no rows.</summary>
    public long? KAnonymity { get; init; }
    public IList<string> QuasiIdentifiers { get; init; } = [];

    /// <summary>The privacy roles and waivers of the contract the upload was checked against; null when no contract
    /// was applied (a refused name, no contract, over the size limit).</summary>
    public PrivacyInForce? Privacy { get; init; }
    public string? PseudonymKeyId { get; init; }
    public DateTimeOffset StartedAt { get; init; }
    public double DurationMs { get; init; }
}

/// <param name="Rule">Machine-readable rule id, e.g. <c>unterminated-quote</c>, <c>encoding</c>, <c>missing-column</c>.</param>
/// <param name="Message">Human-readable reason; never contains a cell value.</param>
public sealed record FileRejection(string Rule, string Message, long? Line = null, string? Column = null, long? ByteOffset = null);

public sealed record DialectReport(string Encoding, string Delimiter, string DecimalSeparator, string Compression, bool ByteOrderMark);

public sealed record RowCounts
{
    public long Read { get; init; }
    public long Kept { get; init; }
    public long Fixed { get; init; }
    public long Quarantined { get; init; }
    public long Duplicate { get; init; }
    public long Blank { get; init; }

    /// <summary>Rows in the curated file: <see cref="Kept"/> + <see cref="Fixed"/>.</summary>
    public long Written => Kept + Fixed;
}

public sealed record ColumnReport
{
    public required string Name { get; init; }
    public required string Type { get; init; }
    public required string Privacy { get; init; }
    public long Missing { get; init; }
    public long Invalid { get; init; }
    public long Fixed { get; init; }
    public double? Min { get; init; }
    public double? Max { get; init; }
    public double? Mean { get; init; }
    public IDictionary<string, long>? Categories { get; init; }

    /// <summary>Distribution of a number, integer or date column that reports values; null for other columns.</summary>
    public ColumnHistogram? Histogram { get; init; }

    /// <summary>Cells of output rows read as missing by reason (<c>missing-token</c>, <c>missing-when</c>); null when none.</summary>
    public IDictionary<string, long>? MissingByRule { get; init; }

    /// <summary>Invalid cells set missing (<c>onInvalid: set-missing</c>) by rule, also counted in <see cref="Fixed"/>; null when none.</summary>
    public IDictionary<string, long>? SetMissingByRule { get; init; }
}

/// <summary>A header cell naming no contract column (dropped). Shown by its normalized name only when that passes the
/// identifier screen (<see cref="IdentifierPatterns"/>); otherwise by position alone.</summary>
/// <param name="Position">1-based position in the header.</param>
/// <param name="NormalizedName">The normalized name, or null when hidden.</param>
public sealed record UnknownColumn(int Position, string? NormalizedName)
{
    /// <summary>How the report shows it: the normalized name, or <c>column 7 (hidden: looks like data)</c>.</summary>
    public string Shown => NormalizedName ?? $"column {Position} (hidden: looks like data)";

    /// <summary>The column of this header cell, screened: hidden when the raw or normalized text looks like data or is long.</summary>
    public static UnknownColumn Screened(int position, string raw, string normalized)
    {
        ArgumentNullException.ThrowIfNull(raw);
        ArgumentNullException.ThrowIfNull(normalized);
        var hidden = normalized.Length > 64 || IdentifierPatterns.LooksLikeData(raw) || IdentifierPatterns.LooksLikeData(normalized);
        return new UnknownColumn(position, hidden ? null : normalized);
    }
}

/// <summary>
/// Equal-width bins over output rows (docs/ingestion.md, "Per-column statistics in the report"). A bin that fewer than
/// <see cref="QualityReport.MinCellRows"/> rows hold is reported as 0 and its rows are added to <see cref="SuppressedRows"/>:
/// no small cell, so a lone extreme value is not singled out.
/// </summary>
/// <param name="Low">Low edge of the first bin (a day number for dates: days since 0001-01-01).</param>
/// <param name="Width">Bin width (a power of two; days for dates).</param>
/// <param name="Dates">Whether the values are day numbers.</param>
public sealed record ColumnHistogram(double Low, double Width, IList<long> Counts, long SuppressedRows, bool Dates)
{
    internal static ColumnHistogram? Of((double Low, double Width, long[] Counts)? bins, bool dates)
    {
        if (bins is not { } b)
        {
            return null;
        }

        var suppressed = b.Counts.Where(c => c is > 0 and < QualityReport.MinCellRows).Sum();
        return new ColumnHistogram(b.Low, b.Width, [.. b.Counts.Select(c => c < QualityReport.MinCellRows ? 0 : c)], suppressed, dates);
    }
}

public sealed record RejectedRow(long Line, IList<Violation> Violations);

/// <param name="Column">Canonical column name; null for row-level rules such as <c>field-count</c>.</param>
public sealed record Violation(string? Column, string Rule);
