namespace HealthAnalytics.Domain.Ingestion;

/// <summary>
/// A compiled date format made of <c>yyyy</c>, <c>MM</c>, <c>dd</c> and literal separators. Parses a span
/// without allocating and checks the calendar (30/02 fails), which DateOnly.TryParseExact would do too,
/// but at several times the cost on the hot path.
/// </summary>
internal sealed class DateFormat
{
    private readonly int _yearAt;
    private readonly int _monthAt;
    private readonly int _dayAt;
    private readonly string _pattern;

    private DateFormat(string pattern, int yearAt, int monthAt, int dayAt)
    {
        _pattern = pattern;
        _yearAt = yearAt;
        _monthAt = monthAt;
        _dayAt = dayAt;
    }

    public static bool TryCreate(string? pattern, out DateFormat format)
    {
        format = null!;
        if (string.IsNullOrEmpty(pattern))
        {
            return false;
        }

        int y = pattern.IndexOf("yyyy", StringComparison.Ordinal), m = pattern.IndexOf("MM", StringComparison.Ordinal), d = pattern.IndexOf("dd", StringComparison.Ordinal);
        if (y < 0 || m < 0 || d < 0 ||
            pattern.IndexOf("yyyy", y + 4, StringComparison.Ordinal) >= 0 ||
            pattern.IndexOf("MM", m + 2, StringComparison.Ordinal) >= 0 ||
            pattern.IndexOf("dd", d + 2, StringComparison.Ordinal) >= 0)
        {
            return false;
        }

        for (var i = 0; i < pattern.Length; i++)
        {
            var inToken = (i >= y && i < y + 4) || (i >= m && i < m + 2) || (i >= d && i < d + 2);
            if (!inToken && (char.IsLetterOrDigit(pattern[i]) || pattern[i] == '\'' || pattern[i] == '"'))
            {
                return false;
            }
        }

        if (pattern.Length != 8 + CountSeparators(pattern))
        {
            return false;
        }

        format = new DateFormat(pattern, y, m, d);
        return true;
    }

    private static int CountSeparators(string pattern) => pattern.Count(ch => !char.IsLetter(ch));

    public bool TryParse(ReadOnlySpan<char> s, out DateOnly date) => TryParse<char>(s, out date);

    /// <summary>The same over ASCII bytes (the cleaner's hot path reads cells as UTF-8 without decoding them).</summary>
    public bool TryParse(ReadOnlySpan<byte> s, out DateOnly date) => TryParse<byte>(s, out date);

    private bool TryParse<T>(ReadOnlySpan<T> s, out DateOnly date)
        where T : unmanaged, System.Numerics.IBinaryInteger<T>
    {
        date = default;
        if (s.Length != _pattern.Length)
        {
            return false;
        }

        for (var i = 0; i < s.Length; i++)
        {
            var p = _pattern[i];
            var c = int.CreateTruncating(s[i]);
            if (p is 'y' or 'M' or 'd')
            {
                if ((uint)(c - '0') > 9)
                {
                    return false;
                }
            }
            else if (c != p)
            {
                return false;
            }
        }

        var year = Digits(s, _yearAt, 4);
        var month = Digits(s, _monthAt, 2);
        var day = Digits(s, _dayAt, 2);
        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month))
        {
            return false;
        }

        date = new DateOnly(year, month, day);
        return true;
    }

    private static int Digits<T>(ReadOnlySpan<T> s, int at, int count)
        where T : unmanaged, System.Numerics.IBinaryInteger<T>
    {
        var v = 0;
        for (var i = 0; i < count; i++)
        {
            v = (v * 10) + (int.CreateTruncating(s[at + i]) - '0');
        }

        return v;
    }

    public override string ToString() => _pattern;
}
