using System.Globalization;
using System.Text;

namespace HealthAnalytics.Ingestion;

/// <summary>
/// Header-name normalization (docs/ingestion.md "Header"): NFKD, accents removed, lower case, and
/// spaces, <c>_</c>, <c>-</c>, <c>.</c> removed. <c>Date d'entrée</c> and <c>date_entree</c> compare equal.
/// </summary>
public static class HeaderNormalizer
{
    public static string Normalize(string header)
    {
        ArgumentNullException.ThrowIfNull(header);
        var decomposed = header.Normalize(NormalizationForm.FormKD);
        var sb = new StringBuilder(decomposed.Length);
        foreach (var ch in decomposed)
        {
            if (ch is ' ' or '_' or '-' or '.' || char.IsWhiteSpace(ch) ||
                CharUnicodeInfo.GetUnicodeCategory(ch) == UnicodeCategory.NonSpacingMark || ch == '\uFEFF')
            {
                continue;
            }

            sb.Append(char.ToLowerInvariant(ch));
        }

        return sb.ToString();
    }
}

/// <summary>
/// Category matching key: trimmed, NFKD, accents removed, lower case (inner spaces kept, so
/// "emergency room" stays two words). ASCII values, the common case, fold without allocating.
/// </summary>
public static class CategoryFolding
{
    public static string Fold(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        Span<char> buffer = value.Length <= 256 ? stackalloc char[256] : new char[value.Length * 4 + 16];
        return new string(Fold(value.AsSpan(), buffer));
    }

    /// <summary>Folds into <paramref name="scratch"/> when ASCII; otherwise returns a newly allocated span.</summary>
    public static ReadOnlySpan<char> Fold(ReadOnlySpan<char> value, Span<char> scratch)
    {
        value = value.Trim();
        if (Ascii.IsValid(value) && value.Length <= scratch.Length)
        {
            Ascii.ToLower(value, scratch, out var n);
            return scratch[..n];
        }

        var decomposed = value.ToString().Normalize(NormalizationForm.FormKD);
        var sb = new StringBuilder(decomposed.Length);
        foreach (var ch in decomposed)
        {
            if (CharUnicodeInfo.GetUnicodeCategory(ch) != UnicodeCategory.NonSpacingMark)
            {
                sb.Append(char.ToLowerInvariant(ch));
            }
        }

        return sb.ToString().AsSpan();
    }
}
