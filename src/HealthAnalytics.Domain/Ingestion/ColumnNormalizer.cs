using System.Globalization;
using System.Text.RegularExpressions;
using HealthAnalytics.Domain.Contracts;

namespace HealthAnalytics.Domain.Ingestion;

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

    // Compiling a pattern (RegexOptions.Compiled emits IL) cost ~4 ms per column per upload, more than cleaning a
    // small file; contracts hold a handful of patterns, so compiled instances (thread-safe) are shared. Bounded in
    // case operators keep editing contract overrides: past the cap a pattern is simply compiled per upload.
    private const int MaxCachedPatterns = 256;
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Regex> Patterns = new(StringComparer.Ordinal);
    private readonly (string Unit, double Factor, double Offset, bool IsCanonical)[] _units;
    private readonly Dictionary<string, (string Canonical, bool IsAlias)>.AlternateLookup<ReadOnlySpan<char>> _categories;
    private readonly Dictionary<string, (string Canonical, bool IsAlias)>? _categoryMap;

    /// <param name="column">The column.</param>
    /// <param name="dialect">Date formats and decimal separator.</param>
    /// <param name="delimiter">The file's delimiter (decides whether a decimal comma is allowed when the dialect does not say).</param>
    /// <param name="today">The ingestion day (UTC), for <c>notAfterToday</c>.</param>
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
            _pattern = CompiledPattern(column.Pattern);
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
        if (column.Categories is not null)
        {
            _categoryMap = new Dictionary<string, (string, bool)>(StringComparer.Ordinal);
            foreach (var (canonical, aliases) in column.Categories)
            {
                _categoryMap[CategoryFolding.Fold(canonical)] = (canonical, false);
                foreach (var alias in aliases ?? [])
                {
                    _categoryMap.TryAdd(CategoryFolding.Fold(alias), (canonical, true));
                }
            }

            _categories = _categoryMap.GetAlternateLookup<ReadOnlySpan<char>>();
        }
    }

    public ColumnSpec Column => _column;

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
        if (_pattern is not null && !_pattern.IsMatch(value))
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
        bool? value = lower[..n] switch
        {
            "true" or "yes" or "y" or "1" or "t" or "oui" => true,
            "false" or "no" or "n" or "0" or "f" or "non" => false,
            _ => null,
        };
        return value is { } b ? new CellResult { Status = CellStatus.Value, Boolean = b } : CellResult.Invalid(Rules.Type);
    }

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
            if (!TryFastDecimal(numeric, out value))
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
        else if (!TryFastDecimal(numeric, out value))
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

        if (!double.IsFinite(value))
        {
            return CellResult.Invalid(Rules.NonFinite);
        }

        if (converted)
        {
            value = (value * factor) + offset;
        }

        if (_column.Type == ColumnType.Integer)
        {
            value = Math.Round(value, MidpointRounding.AwayFromZero);
        }

        if (!double.IsFinite(value) || (_column.Range is { } r && (value < r.Min || value > r.Max)))
        {
            return CellResult.Invalid(double.IsFinite(value) ? Rules.Range : Rules.NonFinite);
        }

        if (_column.Type == ColumnType.Integer)
        {
            if (value is < int.MinValue or > int.MaxValue)
            {
                return CellResult.Invalid(Rules.Range);
            }

            return new CellResult { Status = CellStatus.Value, Integer = (long)value, Number = value, Fixed = converted };
        }

        return new CellResult { Status = CellStatus.Value, Number = value, Fixed = converted };
    }

    /// <summary>Exact powers of ten as doubles (10^22 is the largest exactly representable one).</summary>
    private static readonly double[] Pow10 =
        [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

    /// <summary>
    /// Fast path of double.Parse for the common cell (sign, at most 15 digits, one decimal separator, no exponent):
    /// the digits as an integer below 2^53 and the power of ten are both exact, so one IEEE division is correctly
    /// rounded and gives the same double as double.Parse. Anything else returns false and takes the general parser.
    /// </summary>
    private static bool TryFastDecimal(ReadOnlySpan<char> s, out double value)
    {
        value = 0;
        var i = 0;
        var negative = false;
        if (i < s.Length && s[i] is '+' or '-')
        {
            negative = s[i] == '-';
            i++;
        }

        long mantissa = 0;
        var digits = 0;
        var fraction = -1;
        for (; i < s.Length; i++)
        {
            var c = s[i];
            if (char.IsAsciiDigit(c))
            {
                mantissa = (mantissa * 10) + (c - '0');
                digits++;
                if (fraction >= 0)
                {
                    fraction++;
                }
            }
            else if (c is '.' or ',' && fraction < 0)
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

    private static Regex CompiledPattern(string pattern)
    {
        if (Patterns.TryGetValue(pattern, out var cached))
        {
            return cached;
        }

        var regex = new Regex(pattern, RegexOptions.CultureInvariant | RegexOptions.Compiled, TimeSpan.FromSeconds(1));
        return Patterns.Count < MaxCachedPatterns ? Patterns.GetOrAdd(pattern, regex) : regex;
    }

    private static string FoldUnit(string unit) => unit.Replace('µ', 'u').Replace('μ', 'u');

    private static bool IsNonFiniteWord(ReadOnlySpan<char> s) =>
        s.Equals("nan", StringComparison.OrdinalIgnoreCase) || s.Equals("infinity", StringComparison.OrdinalIgnoreCase) ||
        s.Equals("inf", StringComparison.OrdinalIgnoreCase) || s.Equals("∞", StringComparison.Ordinal);
}
