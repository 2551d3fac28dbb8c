using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.RegularExpressions;
using HealthAnalytics.Contracts;

namespace HealthAnalytics.Ingestion;

/// <summary>How one cell ended.</summary>
public enum CellStatus
{
    /// <summary>A valid value.</summary>
    Value,

    /// <summary>Empty (after trimming) in a column that is not required.</summary>
    Missing,

    /// <summary>A rule failed; see <see cref="CellResult.Rule"/>.</summary>
    Invalid,
}

/// <summary>Rule ids as they appear in reports (docs/ingestion.md).</summary>
public static class Rules
{
    public const string Required = "required";
    public const string Type = "type";
    public const string NonFinite = "non-finite";
    public const string FutureDate = "future-date";
    public const string Unit = "unit";
    public const string Category = "category";
    public const string Pattern = "pattern";
    public const string Range = "range";
    public const string FieldCount = "field-count";
    public const string NulByte = "nul-byte";

    /// <summary>Not a violation: the cell is one of the column's missing-value tokens (docs/contracts.md).</summary>
    public const string MissingToken = "missing-token";

    /// <summary>Not a violation: the value is one of the column's <c>missingWhen</c> values.</summary>
    public const string MissingWhen = "missing-when";
}

/// <summary>
/// The outcome of normalizing one cell. Values live in the member matching the column type; strings are
/// written to the caller's destination buffer (<see cref="TextLength"/> characters), so the hot path never allocates.
/// </summary>
public readonly record struct CellResult
{
    public CellStatus Status { get; init; }
    public string? Rule { get; init; }
    public bool Fixed { get; init; }
    public long Integer { get; init; }
    public double Number { get; init; }
    public bool Boolean { get; init; }
    public DateOnly Date { get; init; }
    public DateTime DateTime { get; init; }

    /// <summary>Canonical category value (a string owned by the contract: no allocation).</summary>
    public string? Category { get; init; }

    public int TextLength { get; init; }

    internal static CellResult Invalid(string rule) => new() { Status = CellStatus.Invalid, Rule = rule };
}

/// <summary>
/// The cleaner's compact form of a <see cref="CellResult"/>: 24 bytes instead of 64. A clean worker writes one per
/// cell and the commit stage reads them back on another core, so their size is memory traffic on the hot path.
/// The value lives in <see cref="Bits"/>, read according to the column type.
/// </summary>
internal readonly struct Cell
{
    private readonly byte _status;

    /// <summary>Integer: the value; Number: the double's bits; Date: day number; DateTime: UTC ticks; Boolean: 1/0; Category: index in <see cref="ColumnNormalizer.Canonicals"/>.</summary>
    public long Bits { get; init; }

    public string? Rule { get; init; }

    /// <summary>UTF-8 bytes of a string value in the caller's text buffer.</summary>
    public int TextLength { get; init; }

    public CellStatus Status { get => (CellStatus)_status; init => _status = (byte)value; }

    public bool Fixed { get; init; }

    public double Number => BitConverter.Int64BitsToDouble(Bits);

    public DateOnly Date => DateOnly.FromDayNumber((int)Bits);

    public DateTime DateTime => new(Bits, DateTimeKind.Utc);

    public static Cell Missing => new() { Status = CellStatus.Missing };

    public static Cell Invalid(string rule) => new() { Status = CellStatus.Invalid, Rule = rule };

    public static Cell OfInteger(long value, bool isFixed = false) => new() { Status = CellStatus.Value, Bits = value, Fixed = isFixed };

    public static Cell OfNumber(double value, bool isFixed = false) => new() { Status = CellStatus.Value, Bits = BitConverter.DoubleToInt64Bits(value), Fixed = isFixed };
}

/// <summary>A normalized value as an object, for callers off the hot path (prediction API, tools).</summary>
/// <param name="Value">int, double, bool, DateOnly, DateTime or string; null when missing or invalid.</param>
public sealed record NormalizedValue(CellStatus Status, object? Value, string? Rule, bool Fixed);

/// <summary>
/// Parses, converts, maps and range-checks a single value of one <see cref="ColumnSpec"/>. The cleaner
/// uses it for every cell, and the prediction API must use it for every input, so that a model sees
/// values normalized exactly as its training data was. Thread-safe once built.
/// </summary>
public sealed class ColumnNormalizer
{
    private const int MaxStackText = 256;
    private readonly ColumnSpec _column;
    private readonly bool _decimalComma;
    private readonly DateFormat[] _dateFormats;
    private readonly DateOnly _today;
    private readonly Regex? _pattern;
    private readonly AsciiPattern? _asciiPattern;

    // Compiling a pattern (RegexOptions.Compiled emits IL) cost ~4 ms per column per upload, more than cleaning a
    // small file; contracts hold a handful of patterns, so compiled instances (thread-safe) are shared. Bounded in
    // case operators keep editing contract overrides: past the cap a pattern is simply compiled per upload.
    private const int MaxCachedPatterns = 256;

    /// <summary>A backstop only: the non-backtracking engine is linear, so a cell that still takes this long is quarantined (<see cref="Rules.Pattern"/>).</summary>
    private static readonly TimeSpan PatternTimeout = TimeSpan.FromSeconds(1);
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, (Regex Regex, AsciiPattern? Ascii)> Patterns = new(StringComparer.Ordinal);
    private readonly (string Unit, double Factor, double Offset, bool IsCanonical)[] _units;
    private readonly Dictionary<string, (string Canonical, bool IsAlias, int Index)>.AlternateLookup<ReadOnlySpan<char>> _categories;
    private readonly Dictionary<string, (string Canonical, bool IsAlias, int Index)>? _categoryMap;

    // Missing-value tokens (docs/contracts.md, "Missing values"): the text path compares strings, the byte path UTF-8
    // bytes behind a filter on the first byte (two words: a bit per ASCII character), so a cell that cannot be a token
    // costs one test. A non-ASCII token only ever matches on the text path, where every non-ASCII cell goes.
    private readonly string[] _missingTokens = [];
    private readonly byte[][] _missingTokensUtf8 = [];
    private readonly ulong _tokenFirstLo, _tokenFirstHi;
    private readonly double[] _missingWhen = [];

    // The byte path's category lookup: folded ASCII keys of at most 15 bytes packed into two words (bytes little-endian,
    // the length in the top byte), open addressing; a hit is Index + 1 (alias: negated), 0 is an empty slot. Spares the
    // widening to chars and the string hashing of the dictionary (longer cells still use it).
    private const int MaxPackedCategory = 15;
    private readonly ulong[] _packedKeys = [];
    private readonly int[] _packedHits = [];

    /// <param name="column">The column.</param>
    /// <param name="dialect">Date formats and decimal separator.</param>
    /// <param name="delimiter">The file's delimiter (decides whether a decimal comma is allowed when the dialect does not say).</param>
    /// <param name="today">The ingestion day (UTC), for <c>notAfterToday</c>.</param>
    /// <summary>Same, with the pattern's match timeout chosen (tests: a cell that times out is quarantined, not thrown).</summary>
    internal ColumnNormalizer(ColumnSpec column, DialectSpec dialect, char delimiter, DateOnly today, TimeSpan patternTimeout)
        : this(column, dialect, delimiter, today)
    {
        if (column.Pattern is not null)
        {
            _pattern = new Regex(column.Pattern, RegexOptions.CultureInvariant | RegexOptions.NonBacktracking, patternTimeout);
            _asciiPattern = null;
        }
    }

    public ColumnNormalizer(ColumnSpec column, DialectSpec dialect, char delimiter, DateOnly today)
    {
        ArgumentNullException.ThrowIfNull(column);
        ArgumentNullException.ThrowIfNull(dialect);
        _column = column;
        _today = today;
        _decimalComma = dialect.DecimalSeparator switch
        {
            "," => true,
            "." => false,
            _ => delimiter != ',',
        };
        _dateFormats = [.. dialect.DateFormats.Select(f => DateFormat.TryCreate(f, out var df) ? df : throw new ArgumentException($"invalid date format '{f}'", nameof(dialect)))];
        if (column.Pattern is not null)
        {
            (_pattern, _asciiPattern) = CompiledPattern(column.Pattern);
        }

        var units = new List<(string, double, double, bool)>();
        if (column.Unit is not null)
        {
            units.Add((FoldUnit(column.Unit), 1, 0, true));
        }

        foreach (var (unit, conv) in column.Units ?? new Dictionary<string, UnitConversion>())
        {
            units.Add((FoldUnit(unit), conv.Factor, conv.Offset, false));
        }

        _units = [.. units];
        _missingTokens = [.. MissingValueRules.TokensFor(column, dialect)];
        _missingTokensUtf8 = [.. _missingTokens.Where(t => Ascii.IsValid(t)).Select(t => Encoding.ASCII.GetBytes(t))];
        foreach (var t in _missingTokensUtf8)
        {
            if (t[0] < 64)
            {
                _tokenFirstLo |= 1UL << t[0];
            }
            else
            {
                _tokenFirstHi |= 1UL << (t[0] - 64);
            }
        }

        _missingWhen = column.Type is ColumnType.Integer or ColumnType.Number ? [.. column.MissingWhen ?? []] : [];
        if (column.Categories is not null)
        {
            _categoryMap = new Dictionary<string, (string, bool, int)>(StringComparer.Ordinal);
            var canonicals = new List<string>();
            foreach (var (canonical, aliases) in column.Categories)
            {
                _categoryMap[CategoryFolding.Fold(canonical)] = (canonical, false, canonicals.Count);
                foreach (var alias in aliases ?? [])
                {
                    _categoryMap.TryAdd(CategoryFolding.Fold(alias), (canonical, true, canonicals.Count));
                }

                canonicals.Add(canonical);
            }

            Canonicals = [.. canonicals];

            _categories = _categoryMap.GetAlternateLookup<ReadOnlySpan<char>>();
            var size = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(4, _categoryMap.Count * 4));
            _packedKeys = new ulong[size * 2];
            _packedHits = new int[size];
            foreach (var (key, (_, isAlias, index)) in _categoryMap)
            {
                if (key.Length <= MaxPackedCategory && Ascii.IsValid(key))
                {
                    var (lo, hi) = Pack(Encoding.ASCII.GetBytes(key));
                    var slot = PackedSlot(lo, hi, size - 1);
                    while (_packedHits[slot] != 0)
                    {
                        slot = (slot + 1) & (size - 1);
                    }

                    _packedKeys[slot * 2] = lo;
                    _packedKeys[(slot * 2) + 1] = hi;
                    _packedHits[slot] = isAlias ? -(index + 1) : index + 1;
                }
            }
        }
    }

    public ColumnSpec Column => _column;

    /// <summary>The contract's canonical categories, in contract order (a <see cref="Cell"/> holds an index into it).</summary>
    internal string[] Canonicals { get; } = [];

    /// <summary>Normalizes one raw value (e.g. a JSON input of the prediction API).</summary>
    /// <param name="raw">The value as text; null counts as empty.</param>
    /// <param name="sourceUnit">Unit the value is expressed in when it carries no suffix (a <c>headerUnits</c> column); null = canonical.</param>
    public NormalizedValue Normalize(string? raw, string? sourceUnit = null)
    {
        var text = raw ?? string.Empty;
        var destination = new char[Math.Max(text.Length, 1)];
        var r = Normalize(text.AsSpan(), destination, sourceUnit);
        object? value = r.Status != CellStatus.Value ? null : _column.Type switch
        {
            ColumnType.Integer => (object)checked((int)r.Integer),
            ColumnType.Number => r.Number,
            ColumnType.Boolean => r.Boolean,
            ColumnType.Date => r.Date,
            ColumnType.DateTime => r.DateTime,
            ColumnType.Category => r.Category,
            _ => new string(destination, 0, r.TextLength),
        };
        return new NormalizedValue(r.Status, value, r.Rule, r.Fixed);
    }

    /// <summary>Hot-path form: no allocation; string results are written to <paramref name="textDestination"/> (at least the raw length).</summary>
    public CellResult Normalize(ReadOnlySpan<char> raw, Span<char> textDestination, string? sourceUnit = null)
    {
        var s = raw.Trim();
        if (s.IsEmpty)
        {
            return _column.Required ? CellResult.Invalid(Rules.Required) : new CellResult { Status = CellStatus.Missing };
        }

        if (_missingTokens.Length > 0 && IsMissingToken(s))
        {
            return MissingResult(Rules.MissingToken);
        }

        return _column.Type switch
        {
            ColumnType.Integer or ColumnType.Number => NormalizeNumber(s, sourceUnit),
            ColumnType.Boolean => NormalizeBoolean(s),
            ColumnType.Date => NormalizeDate(s),
            ColumnType.DateTime => NormalizeDateTime(s),
            ColumnType.Category => NormalizeCategory(s),
            _ => NormalizeString(s, textDestination),
        };
    }

    /// <summary>
    /// The cleaner's path: a cell as UTF-8 straight from the parsed batch, the result in compact form, string
    /// values written as UTF-8 to <paramref name="textDestination"/> (room for <see cref="Utf8TextRoom"/> bytes).
    /// ASCII cells of the common shapes are handled on bytes; anything else (non-ASCII text, unit suffixes,
    /// exponents, long digit strings, date-times) is decoded and given to the text path, so both paths agree by
    /// construction on every input the fast path declines (and by test on the ones it takes).
    /// </summary>
    /// <param name="utf8">The cell.</param>
    /// <param name="textDestination">Where a string value goes.</param>
    /// <param name="sourceUnit">As in the text path.</param>
    /// <param name="isAscii">The caller already knows the cell is ASCII (it checked the whole record at once).</param>
    internal Cell Normalize(ReadOnlySpan<byte> utf8, Span<byte> textDestination, string? sourceUnit, bool isAscii = false)
    {
        if ((isAscii || IsAscii(utf8)) && TryNormalizeAscii(utf8.Trim(AsciiWhiteSpace), textDestination, sourceUnit, out var fast))
        {
            return fast;
        }

        return NormalizeDecoded(utf8, textDestination, sourceUnit);
    }

    /// <summary>
    /// Ascii.IsValid for a cell: the cleaner asks for every cell of a record that is not all ASCII (an accented name
    /// or address makes 57 % of the bench file's records so), and on cells of a few bytes the call cost more than
    /// the check; up to 16 bytes are tested as two (possibly overlapping) words.
    /// </summary>
    private static bool IsAscii(ReadOnlySpan<byte> s)
    {
        const ulong High = 0x8080_8080_8080_8080UL;
        var n = s.Length;
        if (n >= 8)
        {
            return n <= 16
                ? ((BinaryPrimitives.ReadUInt64LittleEndian(s) | BinaryPrimitives.ReadUInt64LittleEndian(s[^8..])) & High) == 0
                : Ascii.IsValid(s);
        }

        if (n >= 4)
        {
            return ((BinaryPrimitives.ReadUInt32LittleEndian(s) | BinaryPrimitives.ReadUInt32LittleEndian(s[^4..])) & 0x8080_8080U) == 0;
        }

        var any = 0;
        foreach (var b in s)
        {
            any |= b;
        }

        return any < 0x80;
    }

    /// <summary>Bytes a string cell of <paramref name="utf8Length"/> bytes may need (upper-casing can lengthen UTF-8).</summary>
    internal static int Utf8TextRoom(int utf8Length) => (utf8Length * 3) + 3;

    private static ReadOnlySpan<byte> AsciiWhiteSpace => " \t\n\v\f\r"u8;

    private Cell NormalizeDecoded(ReadOnlySpan<byte> utf8, Span<byte> textDestination, string? sourceUnit)
    {
        var rented = utf8.Length > MaxStackText ? System.Buffers.ArrayPool<char>.Shared.Rent((utf8.Length * 2) + 2) : null;
        try
        {
            Span<char> chars = rented ?? stackalloc char[(MaxStackText * 2) + 2];
            var n = Encoding.UTF8.GetChars(utf8, chars);
            var raw = chars[..n];
            var normalized = chars[n..];
            var r = Normalize(raw, normalized, sourceUnit);
            if (r.Status != CellStatus.Value)
            {
                return r.Status == CellStatus.Missing ? new Cell { Status = CellStatus.Missing, Rule = r.Rule } : Cell.Invalid(r.Rule!);
            }

            return _column.Type switch
            {
                ColumnType.Integer => Cell.OfInteger(r.Integer, r.Fixed),
                ColumnType.Number => Cell.OfNumber(r.Number, r.Fixed),
                ColumnType.Boolean => new Cell { Status = CellStatus.Value, Bits = r.Boolean ? 1 : 0 },
                ColumnType.Date => new Cell { Status = CellStatus.Value, Bits = r.Date.DayNumber },
                ColumnType.DateTime => new Cell { Status = CellStatus.Value, Bits = r.DateTime.ToUniversalTime().Ticks },
                ColumnType.Category => new Cell { Status = CellStatus.Value, Bits = _categoryMap![CategoryFolding.Fold(r.Category!)].Index, Fixed = r.Fixed },
                _ => new Cell { Status = CellStatus.Value, Fixed = r.Fixed, TextLength = Encoding.UTF8.GetBytes(normalized[..r.TextLength], textDestination) },
            };
        }
        finally
        {
            if (rented is not null)
            {
                System.Buffers.ArrayPool<char>.Shared.Return(rented);
            }
        }
    }

    /// <summary>The byte fast path over a trimmed ASCII cell; false = not a common shape, take the text path.</summary>
    /// <remarks>
    /// Only a dispatcher: each shape has its own small method (the stack buffers of the rare branches no longer
    /// sit in the frame every cell goes through).
    /// </remarks>
    private bool TryNormalizeAscii(ReadOnlySpan<byte> s, Span<byte> destination, string? sourceUnit, out Cell cell)
    {
        if (s.IsEmpty)
        {
            cell = _column.Required ? Cell.Invalid(Rules.Required) : Cell.Missing;
            return true;
        }

        if ((_tokenFirstLo | _tokenFirstHi) != 0 && IsMissingTokenAscii(s))
        {
            cell = MissingCell(Rules.MissingToken);
            return true;
        }

        switch (_column.Type)
        {
            case ColumnType.Integer or ColumnType.Number:
                if (sourceUnit is null)
                {
                    return TryNumberAscii(s, out cell);
                }

                break;
            case ColumnType.Date:
                cell = DateAscii(s);
                return true;
            case ColumnType.Boolean:
                cell = BooleanAscii(s);
                return true;
            case ColumnType.Category when _categoryMap is not null && s.Length <= MaxStackText:
                cell = s.Length <= MaxPackedCategory ? PackedCategory(s) : LongCategoryAscii(s);
                return true;
            case ColumnType.String when s.Length <= MaxStackText:
                cell = StringAscii(s, destination);
                return true;
            default:
                break;
        }

        cell = default;
        return false;
    }

    private Cell DateAscii(ReadOnlySpan<byte> s)
    {
        foreach (var format in _dateFormats)
        {
            if (format.TryParse(s, out var date))
            {
                return _column.NotAfterToday && date > _today ? Cell.Invalid(Rules.FutureDate) : new Cell { Status = CellStatus.Value, Bits = date.DayNumber };
            }
        }

        return Cell.Invalid(Rules.Type);
    }

    private Cell LongCategoryAscii(ReadOnlySpan<byte> s)
    {
        Span<char> folded = stackalloc char[s.Length];
        Ascii.ToLower(s, folded, out _);
        return _categories.TryGetValue(folded, out var hit)
            ? new Cell { Status = CellStatus.Value, Bits = hit.Index, Fixed = hit.IsAlias }
            : Cell.Invalid(Rules.Category);
    }

    private Cell StringAscii(ReadOnlySpan<byte> s, Span<byte> destination)
    {
        var isFixed = false;
        if (_column.UpperCase)
        {
            Ascii.ToUpper(s, destination, out _);
            isFixed = !s.SequenceEqual(destination[..s.Length]);
        }
        else
        {
            s.CopyTo(destination);
        }

        if (_asciiPattern is not null)
        {
            if (!_asciiPattern.IsMatch(destination[..s.Length]))
            {
                return Cell.Invalid(Rules.Pattern);
            }
        }
        else if (_pattern is not null && !RegexMatchesAscii(destination[..s.Length]))
        {
            return Cell.Invalid(Rules.Pattern);
        }

        return new Cell { Status = CellStatus.Value, Fixed = isFixed, TextLength = s.Length };
    }

    /// <summary>A pattern outside <see cref="AsciiPattern"/>'s subset, on an ASCII value of at most <see cref="MaxStackText"/> bytes.</summary>
    private bool RegexMatchesAscii(ReadOnlySpan<byte> value)
    {
        Span<char> text = stackalloc char[value.Length];
        Ascii.ToUtf16(value, text, out _);
        return PatternMatches(text);
    }

    /// <summary>The contract pattern on one cell; a cell that times out counts as not matching (quarantined by its rule, never the whole file).</summary>
    private bool PatternMatches(ReadOnlySpan<char> value)
    {
        try
        {
            return _pattern!.IsMatch(value);
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }
    }

    /// <summary>[sign] digits [separator digits], at most 15 digits, nothing else: what <see cref="TryFastDecimal{T}"/> computes exactly.</summary>
    private bool TryNumberAscii(ReadOnlySpan<byte> s, out Cell cell)
    {
        cell = default;
        if (!TryFastDecimal(s, _decimalComma, out var value, out var hasFraction))
        {
            return false;
        }

        if (_column.Type == ColumnType.Integer && hasFraction)
        {
            cell = Cell.Invalid(Rules.Type); // "12.5" in an integer column, as on the text path
            return true;
        }

        if (CheckNumber(ref value, false, 1, 0) is { } rule)
        {
            cell = rule == Rules.MissingWhen ? MissingCell(rule) : Cell.Invalid(rule);
            return true;
        }

        cell = _column.Type == ColumnType.Integer ? Cell.OfInteger((long)value) : Cell.OfNumber(value);
        return true;
    }

    /// <summary>Category lookup of a trimmed ASCII cell of at most <see cref="MaxPackedCategory"/> bytes, folded as <see cref="CategoryFolding"/> folds ASCII (lower case).</summary>
    private Cell PackedCategory(ReadOnlySpan<byte> s)
    {
        var (lo, hi) = Pack(s);
        var mask = _packedHits.Length - 1;
        for (var slot = PackedSlot(lo, hi, mask); ; slot = (slot + 1) & mask)
        {
            var hit = _packedHits[slot];
            if (hit == 0)
            {
                return Cell.Invalid(Rules.Category);
            }

            if (_packedKeys[slot * 2] == lo && _packedKeys[(slot * 2) + 1] == hi)
            {
                return new Cell { Status = CellStatus.Value, Bits = Math.Abs(hit) - 1, Fixed = hit < 0 };
            }
        }
    }

    /// <summary>Up to 15 ASCII bytes, lower-cased, as two little-endian words with the length in the top byte.</summary>
    private static (ulong Lo, ulong Hi) Pack(ReadOnlySpan<byte> s)
    {
        // Overlapping reads instead of a zeroed copy: the second read is shifted so each byte lands at its own
        // position (where reads overlap, the same byte is or-ed with itself).
        var n = s.Length;
        ulong lo, hi = 0;
        if (n >= 8)
        {
            lo = BinaryPrimitives.ReadUInt64LittleEndian(s);
            if (n > 8)
            {
                hi = BinaryPrimitives.ReadUInt64LittleEndian(s[^8..]) >> ((16 - n) * 8);
            }
        }
        else if (n >= 4)
        {
            lo = BinaryPrimitives.ReadUInt32LittleEndian(s) | ((ulong)BinaryPrimitives.ReadUInt32LittleEndian(s[^4..]) << ((n - 4) * 8));
        }
        else
        {
            lo = 0;
            for (var i = 0; i < n; i++)
            {
                lo |= (ulong)s[i] << (i * 8);
            }
        }

        return (LowerAscii(lo), LowerAscii(hi) | ((ulong)n << 56));
    }

    /// <summary>ASCII 'A'-'Z' to 'a'-'z' in every byte of a word of ASCII bytes (SWAR: no carry crosses a byte below 0x80).</summary>
    private static ulong LowerAscii(ulong w)
    {
        const ulong Ones = 0x0101_0101_0101_0101UL;
        var aboveA = w + ((0x80 - 'A') * Ones);      // high bit set where byte >= 'A'
        var aboveZ = w + ((0x80 - 'Z' - 1) * Ones);  // high bit set where byte > 'Z'
        var upper = (aboveA & ~aboveZ) & (0x80 * Ones);
        return w | (upper >> 2);
    }

    private static int PackedSlot(ulong lo, ulong hi, int mask) => (int)(((lo * 0x9E37_79B9_7F4A_7C15UL) ^ (hi * 0xC2B2_AE3D_27D4_EB4FUL)) >> 40) & mask;

    private static Cell BooleanAscii(ReadOnlySpan<byte> s)
    {
        if (s.Length > 5)
        {
            return Cell.Invalid(Rules.Type);
        }

        Span<char> lower = stackalloc char[5];
        Ascii.ToLower(s, lower, out var n);
        return BooleanWord(lower[..n]) is { } b ? new Cell { Status = CellStatus.Value, Bits = b ? 1 : 0 } : Cell.Invalid(Rules.Type);
    }

    private CellResult NormalizeString(ReadOnlySpan<char> s, Span<char> destination)
    {
        var isFixed = false;
        if (_column.UpperCase)
        {
            var n = s.ToUpperInvariant(destination);
            isFixed = !s.SequenceEqual(destination[..n]);
        }
        else
        {
            s.CopyTo(destination);
        }

        var value = destination[..s.Length];
        if (_pattern is not null && !PatternMatches(value))
        {
            return CellResult.Invalid(Rules.Pattern);
        }

        return new CellResult { Status = CellStatus.Value, Fixed = isFixed, TextLength = s.Length };
    }

    private CellResult NormalizeCategory(ReadOnlySpan<char> s)
    {
        Span<char> scratch = stackalloc char[MaxStackText];
        var folded = CategoryFolding.Fold(s, scratch);
        if (_categoryMap is not null && _categories.TryGetValue(folded, out var hit))
        {
            return new CellResult { Status = CellStatus.Value, Category = hit.Canonical, Fixed = hit.IsAlias };
        }

        return CellResult.Invalid(Rules.Category);
    }

    private static CellResult NormalizeBoolean(ReadOnlySpan<char> s)
    {
        if (s.Length > 5)
        {
            return CellResult.Invalid(Rules.Type);
        }

        Span<char> lower = stackalloc char[5];
        var n = s.ToLowerInvariant(lower);
        return BooleanWord(lower[..n]) is { } b ? new CellResult { Status = CellStatus.Value, Boolean = b } : CellResult.Invalid(Rules.Type);
    }

    /// <summary>The accepted boolean words (lower case), for both paths.</summary>
    private static bool? BooleanWord(ReadOnlySpan<char> lower) => lower switch
    {
        "true" or "yes" or "y" or "1" or "t" or "oui" => true,
        "false" or "no" or "n" or "0" or "f" or "non" => false,
        _ => null,
    };

    private CellResult NormalizeDate(ReadOnlySpan<char> s)
    {
        foreach (var format in _dateFormats)
        {
            if (format.TryParse(s, out var date))
            {
                return _column.NotAfterToday && date > _today
                    ? CellResult.Invalid(Rules.FutureDate)
                    : new CellResult { Status = CellStatus.Value, Date = date };
            }
        }

        return CellResult.Invalid(Rules.Type);
    }

    private CellResult NormalizeDateTime(ReadOnlySpan<char> s)
    {
        if (!DateTime.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var dt))
        {
            return CellResult.Invalid(Rules.Type);
        }

        return _column.NotAfterToday && DateOnly.FromDateTime(dt) > _today
            ? CellResult.Invalid(Rules.FutureDate)
            : new CellResult { Status = CellStatus.Value, DateTime = dt };
    }

    private CellResult NormalizeNumber(ReadOnlySpan<char> s, string? sourceUnit)
    {
        // Split "6,1 mmol/L" into the numeric part and the unit suffix.
        var i = 0;
        if (i < s.Length && s[i] is '+' or '-')
        {
            i++;
        }

        var digitsStart = i;
        var digits = 0;
        var hasFraction = false;
        while (i < s.Length && char.IsAsciiDigit(s[i]))
        {
            i++;
            digits++;
        }

        if (i < s.Length && (s[i] == '.' || (s[i] == ',' && _decimalComma)))
        {
            hasFraction = true;
            i++;
            while (i < s.Length && char.IsAsciiDigit(s[i]))
            {
                i++;
                digits++;
            }
        }

        if (digits > 0 && i < s.Length && s[i] is 'e' or 'E')
        {
            var j = i + 1;
            if (j < s.Length && s[j] is '+' or '-')
            {
                j++;
            }

            if (j < s.Length && char.IsAsciiDigit(s[j]))
            {
                while (j < s.Length && char.IsAsciiDigit(s[j]))
                {
                    j++;
                }

                hasFraction = true;
                i = j;
            }
        }

        if (digits == 0)
        {
            return IsNonFiniteWord(s[digitsStart..]) ? CellResult.Invalid(Rules.NonFinite) : CellResult.Invalid(Rules.Type);
        }

        var numeric = s[..i];
        var suffix = s[i..].Trim();
        if (!suffix.IsEmpty && (char.IsAsciiDigit(suffix[0]) || suffix[0] is '.' or ',' or '+' or '-'))
        {
            return CellResult.Invalid(Rules.Type);
        }

        // Which unit: the cell's suffix, else the header's, else canonical.
        double factor = 1, offset = 0;
        var converted = false;
        if (!suffix.IsEmpty || sourceUnit is not null)
        {
            var unit = suffix.IsEmpty ? sourceUnit.AsSpan() : suffix;
            if (!TryFindUnit(unit, out factor, out offset, out var canonical))
            {
                return CellResult.Invalid(Rules.Unit);
            }

            converted = !canonical;
        }

        double value;
        if (_column.Type == ColumnType.Integer && !hasFraction)
        {
            if (!TryFastDecimal(numeric, commaIsSeparator: true, out value, out _))
            {
                if (!long.TryParse(numeric, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
                {
                    return CellResult.Invalid(Rules.Range);
                }

                value = l;
            }
        }
        else if (_column.Type == ColumnType.Integer && !converted)
        {
            // "12.5" or "1e3" in an integer column: integers are optional sign and digits only.
            return CellResult.Invalid(Rules.Type);
        }
        else if (!TryFastDecimal(numeric, commaIsSeparator: true, out value, out _))
        {
            Span<char> buffer = stackalloc char[MaxStackText];
            if (numeric.Length > buffer.Length)
            {
                return CellResult.Invalid(Rules.Type);
            }

            numeric.CopyTo(buffer);
            var span = buffer[..numeric.Length];
            span.Replace(',', '.');
            if (!double.TryParse(span, NumberStyles.Float, CultureInfo.InvariantCulture, out value))
            {
                return CellResult.Invalid(Rules.Type);
            }
        }

        if (CheckNumber(ref value, converted, factor, offset) is { } rule)
        {
            return rule == Rules.MissingWhen ? MissingResult(rule) : CellResult.Invalid(rule);
        }

        return _column.Type == ColumnType.Integer
            ? new CellResult { Status = CellStatus.Value, Integer = (long)value, Number = value, Fixed = converted }
            : new CellResult { Status = CellStatus.Value, Number = value, Fixed = converted };
    }

    /// <summary>What both the text and the UTF-8 path do with a parsed number: values that mean missing, unit conversion,
    /// rounding, range. Returns the failed rule, or <see cref="Rules.MissingWhen"/>.</summary>
    private string? CheckNumber(ref double value, bool converted, double factor, double offset)
    {
        if (!double.IsFinite(value))
        {
            return Rules.NonFinite;
        }

        // Compared as written in the cell, before any unit conversion: "0 means not measured" is the file's convention.
        foreach (var missing in _missingWhen)
        {
            if (value == missing)
            {
                return Rules.MissingWhen;
            }
        }

        if (converted)
        {
            value = (value * factor) + offset;
        }

        if (_column.Type == ColumnType.Integer)
        {
            value = Math.Round(value, MidpointRounding.AwayFromZero);
        }

        if (!double.IsFinite(value))
        {
            return Rules.NonFinite;
        }

        if (_column.Range is { } r && (value < r.Min || value > r.Max))
        {
            return Rules.Range;
        }

        return _column.Type == ColumnType.Integer && value is < int.MinValue or > int.MaxValue ? Rules.Range : null;
    }

    /// <summary>Exact powers of ten as doubles (10^22 is the largest exactly representable one).</summary>
    private static readonly double[] Pow10 =
        [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

    /// <summary>
    /// Fast path of double.Parse for the common cell (sign, at most 15 digits, one decimal separator, no exponent):
    /// the digits as an integer below 2^53 and the power of ten are both exact, so one IEEE division is correctly
    /// rounded and gives the same double as double.Parse. Anything else returns false and takes the general parser.
    /// </summary>
    private static bool TryFastDecimal<T>(ReadOnlySpan<T> s, bool commaIsSeparator, out double value, out bool hasFraction)
        where T : unmanaged, System.Numerics.IBinaryInteger<T>
    {
        value = 0;
        hasFraction = false;
        var i = 0;
        var negative = false;
        if (i < s.Length && int.CreateTruncating(s[i]) is '+' or '-')
        {
            negative = int.CreateTruncating(s[i]) == '-';
            i++;
        }

        long mantissa = 0;
        var digits = 0;
        var fraction = -1;
        for (; i < s.Length; i++)
        {
            var c = int.CreateTruncating(s[i]);
            if ((uint)(c - '0') <= 9)
            {
                mantissa = (mantissa * 10) + (c - '0');
                digits++;
                if (fraction >= 0)
                {
                    fraction++;
                }
            }
            else if (fraction < 0 && (c == '.' || (c == ',' && commaIsSeparator)))
            {
                fraction = 0;
            }
            else
            {
                return false;
            }
        }

        if (digits is 0 or > 15)
        {
            return false;
        }

        hasFraction = fraction >= 0;
        value = fraction > 0 ? mantissa / Pow10[fraction] : mantissa;
        if (negative)
        {
            value = -value;
        }

        return true;
    }

    private bool TryFindUnit(ReadOnlySpan<char> unit, out double factor, out double offset, out bool canonical)
    {
        Span<char> buffer = stackalloc char[32];
        factor = 1;
        offset = 0;
        canonical = false;
        if (unit.Length > buffer.Length)
        {
            return false;
        }

        unit.CopyTo(buffer);
        var folded = buffer[..unit.Length];
        folded.Replace('µ', 'u');
        folded.Replace('μ', 'u');
        foreach (var (name, f, o, isCanonical) in _units)
        {
            if (folded.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                factor = f;
                offset = o;
                canonical = isCanonical;
                return true;
            }
        }

        return false;
    }

    /// <summary>The Regex (text path, and byte path when the pattern is outside the DFA subset) and the ASCII DFA (byte path).</summary>
    private static (Regex Regex, AsciiPattern? Ascii) CompiledPattern(string pattern)
    {
        if (Patterns.TryGetValue(pattern, out var cached))
        {
            return cached;
        }

        // Non-backtracking: a match costs time linear in the cell whatever the pattern (contracts come from partners'
        // data stewards; a nested quantifier must not turn a cell into seconds). The contract loader refuses patterns
        // this engine cannot run, so construction does not throw here.
        var compiled = (new Regex(pattern, RegexOptions.CultureInvariant | RegexOptions.NonBacktracking, PatternTimeout), AsciiPattern.TryCompile(pattern));
        return Patterns.Count < MaxCachedPatterns ? Patterns.GetOrAdd(pattern, compiled) : compiled;
    }

    /// <summary>A cell that means missing: missing with its reason, or a <c>required</c> violation in a required column.</summary>
    private Cell MissingCell(string reason) => _column.Required ? Cell.Invalid(Rules.Required) : new Cell { Status = CellStatus.Missing, Rule = reason };

    private CellResult MissingResult(string reason) => _column.Required ? CellResult.Invalid(Rules.Required) : new CellResult { Status = CellStatus.Missing, Rule = reason };

    private bool IsMissingToken(ReadOnlySpan<char> s)
    {
        foreach (var token in _missingTokens)
        {
            if (s.SequenceEqual(token))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A trimmed, non-empty ASCII cell against the ASCII tokens: the first byte's filter, then the bytes.</summary>
    private bool IsMissingTokenAscii(ReadOnlySpan<byte> s)
    {
        var first = s[0];
        var bit = first < 64 ? (_tokenFirstLo >> first) & 1 : (_tokenFirstHi >> (first - 64)) & 1;
        if (bit == 0)
        {
            return false;
        }

        foreach (var token in _missingTokensUtf8)
        {
            if (s.SequenceEqual(token))
            {
                return true;
            }
        }

        return false;
    }

    private static string FoldUnit(string unit) => unit.Replace('µ', 'u').Replace('μ', 'u');

    private static bool IsNonFiniteWord(ReadOnlySpan<char> s) =>
        s.Equals("nan", StringComparison.OrdinalIgnoreCase) || s.Equals("infinity", StringComparison.OrdinalIgnoreCase) ||
        s.Equals("inf", StringComparison.OrdinalIgnoreCase) || s.Equals("∞", StringComparison.Ordinal);
}
