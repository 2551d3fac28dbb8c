using System.Globalization;
using System.Text;
using HealthAnalytics.Contracts;

namespace HealthAnalytics.Ingestion;

/// <summary>
/// The privacy floor at ingestion (docs/contracts.md, "Privacy floor"): the contract loader refuses a <c>none</c> or
/// <c>sensitive</c> column named like a direct identifier unless it carries a waiver, but only the values can tell that
/// an innocently named column (<c>ref_code</c>, <c>contact</c>) holds NIRs or e-mails. So every batch samples the first
/// <see cref="CellsPerBatch"/> non-empty cells of each such column (no waiver, not a category or boolean) against
/// <see cref="IdentifierPatterns"/>; when more than <see cref="IngestionOptions.PrivacyFloorShare"/> of a column's
/// sampled cells match, the whole upload is rejected (<c>privacy-floor</c>), naming the column and counts, never a value.
/// Sampling keeps the cost bounded (a few regex matches per thousand rows) and still reads every part of the file.
/// </summary>
internal sealed class PrivacyFloor
{
    /// <summary>Rule of an upload refused by the floor.</summary>
    public const string Rule = "privacy-floor";

    /// <summary>Cells of each checked column looked at per record batch (a batch holds up to 2,048 records).</summary>
    public const int CellsPerBatch = 32;

    private readonly Checked[] _columns;
    private readonly int _headerCount;
    private readonly double _share;

    private PrivacyFloor(Checked[] columns, int headerCount, double share)
    {
        _columns = columns;
        _headerCount = headerCount;
        _share = share;
    }

    /// <summary>The floor of one upload, or null when no column needs it.</summary>
    /// <param name="contract">The contract in force.</param>
    /// <param name="sourceField">The header position of a contract column, or -1 when the file lacks it.</param>
    /// <param name="headerCount">Fields of the header (records of another width are quarantined, not sampled).</param>
    /// <param name="share">The share of matching cells that fails the upload.</param>
    public static PrivacyFloor? For(DatasetContract contract, Func<string, int> sourceField, int headerCount, double share)
    {
        ArgumentNullException.ThrowIfNull(contract);
        var columns = contract.Columns
            .Select((c, i) => (c, i))
            .Where(p => p.c.Privacy is PrivacyRole.None or PrivacyRole.Sensitive && p.c.PrivacyWaiver is null &&
                        p.c.Type is not (ColumnType.Category or ColumnType.Boolean) && sourceField(p.c.Name) >= 0)
            .Select(p => new Checked(p.c.Name, p.i, sourceField(p.c.Name), p.c.Type is ColumnType.Integer or ColumnType.Number))
            .ToArray();
        return columns.Length == 0 ? null : new PrivacyFloor(columns, headerCount, share);
    }

    /// <summary>Samples one batch; safe to call from several workers at once (counts are added atomically).</summary>
    public void Sample(RowBatch batch, int start)
    {
        Span<char> chars = stackalloc char[IdentifierPatterns.MaxScannedChars];
        foreach (var column in _columns)
        {
            int sampled = 0, matched = 0;
            for (var r = start; r < batch.RecordCount && sampled < CellsPerBatch; r++)
            {
                if (batch.RecordFieldCount[r] != _headerCount)
                {
                    continue;
                }

                var bytes = batch.Field(batch.RecordFirstField[r] + column.Field).Trim(" \t"u8);
                if (bytes.IsEmpty)
                {
                    continue;
                }

                // A cut multi-byte character at the end decodes to U+FFFD, which no pattern uses.
                var n = Encoding.UTF8.GetChars(bytes[..Math.Min(bytes.Length, chars.Length)], chars);
                sampled++;
                if (column.Numeric ? IdentifierPatterns.NumberLooksLikeData(chars[..n]) : IdentifierPatterns.LooksLikeData(chars[..n]))
                {
                    matched++;
                }
            }

            Interlocked.Add(ref column.Sampled, sampled);
            Interlocked.Add(ref column.Matched, matched);
        }
    }

    /// <summary>The rejection when a column's cells looked like identifiers too often; null when the upload passes.</summary>
    public FileRejection? Verdict()
    {
        foreach (var c in _columns)
        {
            if (c.Sampled > 0 && c.Matched > c.Sampled * _share)
            {
                return new FileRejection(Rule, string.Create(CultureInfo.InvariantCulture,
                    $"{c.Matched} of {c.Sampled} sampled cells of $.columns[{c.Index}] look like direct identifiers (identifier patterns), but the contract keeps that column without pseudonymization and without a privacy waiver: make it identifier or direct, or add a privacyWaiver."),
                    Column: c.Name);
            }
        }

        return null;
    }

    private sealed class Checked(string name, int index, int field, bool numeric)
    {
        public string Name { get; } = name;
        public int Index { get; } = index;
        public int Field { get; } = field;
        public bool Numeric { get; } = numeric;
        public long Sampled;
        public long Matched;
    }
}
