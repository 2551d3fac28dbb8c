using System.Buffers.Binary;

namespace HealthAnalytics.Ingestion;

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

    // The byte path compares a cell of 8-16 bytes as two little-endian words (bytes 0-7 and 8-15) against masks built
    // here: literal separators must equal the pattern, digit positions must hold '0'-'9'.
    private readonly ulong _literalMaskLo;
    private readonly ulong _literalMaskHi;
    private readonly ulong _literalLo;
    private readonly ulong _literalHi;
    private readonly ulong _digitMaskLo;
    private readonly ulong _digitMaskHi;
    private readonly bool _words;

    private DateFormat(string pattern, int yearAt, int monthAt, int dayAt)
    {
        _pattern = pattern;
        _yearAt = yearAt;
        _monthAt = monthAt;
        _dayAt = dayAt;
        _words = pattern.Length is >= 9 and <= 16 && System.Text.Ascii.IsValid(pattern);
        for (var i = 0; i < Math.Min(pattern.Length, 16); i++)
        {
            var shift = (i & 7) * 8;
            var isDigit = pattern[i] is 'y' or 'M' or 'd';
            ref var literalMask = ref i < 8 ? ref _literalMaskLo : ref _literalMaskHi;
            ref var literal = ref i < 8 ? ref _literalLo : ref _literalHi;
            ref var digitMask = ref i < 8 ? ref _digitMaskLo : ref _digitMaskHi;
            if (isDigit)
            {
                digitMask |= 0xFFUL << shift;
            }
            else
            {
                literalMask |= 0xFFUL << shift;
                literal |= (ulong)(pattern[i] & 0xFF) << shift; // separators are ASCII or never match a byte path cell
            }
        }
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
    public bool TryParse(ReadOnlySpan<byte> s, out DateOnly date)
    {
        // Formats have 8 digits plus separators; 9-16 bytes (all the usual ones) take the word-at-a-time check.
        if (!_words || s.Length != _pattern.Length)
        {
            return TryParse<byte>(s, out date);
        }

        date = default;
        var lo = BinaryPrimitives.ReadUInt64LittleEndian(s);
        var hi = BinaryPrimitives.ReadUInt64LittleEndian(s[^8..]) >> ((16 - s.Length) * 8);
        if (((lo ^ _literalLo) & _literalMaskLo) != 0 || ((hi ^ _literalHi) & _literalMaskHi) != 0 || !AreDigits(lo, _digitMaskLo) || !AreDigits(hi, _digitMaskHi))
        {
            return false;
        }

        var year = DigitsAscii(s, _yearAt, 4);
        var month = DigitsAscii(s, _monthAt, 2);
        var day = DigitsAscii(s, _dayAt, 2);
        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month))
        {
            return false;
        }

        date = new DateOnly(year, month, day);
        return true;
    }

    /// <summary>Every byte of <paramref name="word"/> under <paramref name="mask"/> is '0'-'9': after xor 0x30 a digit is 0-9, i.e. its high nibble is 0 and stays 0 when 6 is added (no carry crosses bytes).</summary>
    private static bool AreDigits(ulong word, ulong mask)
    {
        var t = (word ^ 0x3030_3030_3030_3030UL) & mask;
        return ((t | (t + (0x0606_0606_0606_0606UL & mask))) & 0xF0F0_F0F0_F0F0_F0F0UL) == 0;
    }

    private static int DigitsAscii(ReadOnlySpan<byte> s, int at, int count) => count == 4
        ? ((s[at] - '0') * 1000) + ((s[at + 1] - '0') * 100) + ((s[at + 2] - '0') * 10) + (s[at + 3] - '0')
        : ((s[at] - '0') * 10) + (s[at + 1] - '0');

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
