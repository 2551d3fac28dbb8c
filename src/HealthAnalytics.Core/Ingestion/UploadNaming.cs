using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace HealthAnalytics.Ingestion;

/// <summary>
/// Everything derived from an upload's blob name. Names are opaque data from partners: they are parsed into
/// segments and hashed, never used as a local path, and only "safe" segments reach table keys or blob paths.
/// </summary>
public static partial class UploadNaming
{
    private const string Base32Alphabet = "abcdefghijklmnopqrstuvwxyz234567";

    /// <summary>Length of an upload id (26 base32 characters = 130 bits of SHA-256).</summary>
    public const int UploadIdLength = 26;

    /// <summary>Longest blob name accepted (the service's own limit).</summary>
    public const int MaxBlobNameLength = 1024;

    /// <summary>Longest file name shown as itself in the ledger and reports; a longer one is shown hashed.</summary>
    public const int MaxShownFileNameLength = 80;

    /// <summary>Splits <c>{partner}/{dataset}/{file}</c>; false when <see cref="Problem"/> refuses the name.</summary>
    public static bool TryParse(string blobName, out UploadName name)
    {
        ArgumentNullException.ThrowIfNull(blobName);
        name = default;
        if (Problem(blobName) is not null)
        {
            return false;
        }

        var parts = blobName.Split('/');
        name = new UploadName(blobName, parts[0], parts[1], parts[2]);
        return true;
    }

    /// <summary>
    /// Why a blob name is refused (docs/ingestion.md, "Blob names"), as a fixed phrase that quotes nothing; null when
    /// it is exactly three segments <c>{partner}/{dataset}/{file}</c> none of which is empty, a dot segment (<c>.</c>,
    /// <c>..</c>, or one ending with a dot) or hides one, percent-encoded (once or more) or as Unicode look-alikes, and
    /// with no control character or backslash. The service and the SDK's URIs resolve dot segments, so such a name
    /// would open another blob than the one listed (another partner's upload, another container's report).
    /// </summary>
    public static string? Problem(string blobName)
    {
        ArgumentNullException.ThrowIfNull(blobName);
        if (blobName.Length > MaxBlobNameLength)
        {
            return "the name is too long";
        }

        if (HasControl(blobName))
        {
            return "the name holds a control or invisible formatting character";
        }

        if (blobName.Contains('\\', StringComparison.Ordinal))
        {
            return "the name holds a backslash";
        }

        var segments = blobName.Split('/');
        if (segments.Any(s => s.Trim().Length == 0))
        {
            return "the name has an empty segment";
        }

        if (segments.Length != 3)
        {
            return "the name does not have three segments (partner, dataset, file)";
        }

        foreach (var segment in segments)
        {
            if (IsDotSegment(segment))
            {
                return "the name has a dot segment";
            }

            var decoded = Decoded(segment);
            if (decoded.Contains('/', StringComparison.Ordinal) || decoded.Contains('\\', StringComparison.Ordinal))
            {
                return "the name hides a separator (encoded or look-alike)";
            }

            if (HasControl(decoded))
            {
                return "the name hides a control character (encoded)";
            }

            if (decoded.Trim().Length == 0 || IsDotSegment(decoded))
            {
                return "the name hides a dot segment (encoded or look-alike)";
            }
        }

        if (IdentifierPatterns.LooksLikeData(segments[0]) || IdentifierPatterns.LooksLikeData(segments[1]))
        {
            return "the partner or dataset segment looks like data";
        }

        return null;
    }

    /// <summary>
    /// The file name as the ledger and reports show it: itself when it is short, printable and matches no identifier
    /// pattern (<see cref="IdentifierPatterns"/>), otherwise <c>hidden-</c> + 12 hex characters of
    /// <paramref name="keyedHash"/> of it, keeping a plain extension (<c>.csv</c>, <c>.csv.gz</c>). The raw name stays
    /// in the upload blob only.
    /// </summary>
    /// <param name="fileName">The third segment of the blob name.</param>
    /// <param name="keyedHash">A keyed hash in hex (the pseudonymizer's HMAC), so a guessed name cannot be confirmed
    /// from the shown one without the key.</param>
    public static string ShownFileName(string fileName, Func<string, string> keyedHash)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        ArgumentNullException.ThrowIfNull(keyedHash);
        return fileName.Length <= MaxShownFileNameLength && !HasControl(fileName) && !IdentifierPatterns.LooksLikeData(fileName)
            ? fileName
            : HiddenName(fileName, keyedHash);
    }

    /// <summary><c>hidden-</c> + 12 hex characters of the keyed hash of <paramref name="name"/>, plus its plain extension.</summary>
    public static string HiddenName(string name, Func<string, string> keyedHash)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(keyedHash);
        return "hidden-" + keyedHash("file-name\n" + name)[..12] + PlainExtension().Match(name).Value;
    }

    /// <summary>Id of an upload whose blob name was refused: derived from a keyed hash of the name alone (nothing is
    /// read), so a redelivery of the same name maps to the same ledger entry.</summary>
    public static string RefusedNameUploadId(string blobName, Func<string, string> keyedHash)
    {
        ArgumentNullException.ThrowIfNull(blobName);
        ArgumentNullException.ThrowIfNull(keyedHash);
        return Base32(Convert.FromHexString(keyedHash("refused-name\n" + blobName)))[..UploadIdLength];
    }

    /// <summary>A keyed hash of the whole blob name, kept in the ledger so that the dev-host poller and the stalled-upload
    /// sweep find an upload's blob without the ledger holding its raw name.</summary>
    public static string SourceKey(string blobName, Func<string, string> keyedHash)
    {
        ArgumentNullException.ThrowIfNull(blobName);
        ArgumentNullException.ThrowIfNull(keyedHash);
        return keyedHash("blob-name\n" + blobName)[..32];
    }

    /// <summary>An ETag without its quotes: a listing gives it bare, a properties read quoted.</summary>
    public static string PlainETag(string eTag)
    {
        ArgumentNullException.ThrowIfNull(eTag);
        return eTag.Trim('"');
    }

    private static bool HasControl(string text) => text.Any(c => char.IsControl(c) || char.GetUnicodeCategory(c) is
        System.Globalization.UnicodeCategory.Format or System.Globalization.UnicodeCategory.LineSeparator or System.Globalization.UnicodeCategory.ParagraphSeparator);

    private static bool IsDotSegment(string segment)
    {
        var trimmed = segment.Trim();
        return trimmed.Length > 0 && (trimmed.All(c => c == '.') || trimmed.EndsWith('.'));
    }

    /// <summary>The segment as a server or a later decoder might read it: percent-decoded until stable (at most 3
    /// times), NFKC-normalized (fullwidth and leader dots, fullwidth solidus), with the remaining dot and slash
    /// look-alikes mapped to <c>.</c>, <c>/</c> and <c>\</c>.</summary>
    private static string Decoded(string segment)
    {
        var text = segment;
        for (var i = 0; i < 3; i++)
        {
            string next;
            try
            {
                next = Uri.UnescapeDataString(text);
            }
            catch (UriFormatException)
            {
                break;
            }

            if (next == text)
            {
                break;
            }

            text = next;
        }

        text = text.Normalize(NormalizationForm.FormKC);
        var mapped = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            mapped.Append(c switch
            {
                '\u3002' or '\uFF61' or '\u06D4' or '\u0701' or '\u0702' or '\u2E3C' or '\uA60E' => '.',
                '\u2215' or '\u2044' or '\u29F8' or '\u2571' or '\u27CB' => '/',
                '\u2216' or '\u29F9' or '\u2572' or '\u27CD' => '\\',
                _ => c,
            });
        }

        return mapped.ToString();
    }

    /// <summary><c>base32(sha256(partner \n dataset \n contentSha256))[..26]</c>, lower case (docs/ingestion.md).</summary>
    public static string UploadId(string partner, string dataset, string contentSha256)
        => HashId($"{partner}\n{dataset}\n{contentSha256}");

    /// <summary>Id of an upload rejected before its bytes were read (over-size, no contract): derived from the
    /// blob version (name and ETag) since the content hash is unknown, so a redelivery still maps to one entry.</summary>
    public static string UnreadUploadId(string partner, string dataset, string blobName, string eTag)
        => HashId($"{partner}\n{dataset}\nunread\n{blobName}\n{eTag}");

    /// <summary>True when <paramref name="value"/> has the shape of an upload id.</summary>
    public static bool IsUploadId(string? value) => value is not null && UploadIdPattern().IsMatch(value);

    /// <summary>
    /// A name segment usable as a table key and a blob path segment: itself when short and plain
    /// (letters, digits, <c>.</c>, <c>_</c>, <c>-</c>), otherwise <c>h-</c> + a hash of it, so odd names
    /// (<c>..</c>, <c>%</c>, <c>{}</c>, 1,000 characters) can neither escape a path nor break a key.
    /// </summary>
    public static string SafeSegment(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return SafeSegmentPattern().IsMatch(value) && !value.StartsWith("h-", StringComparison.Ordinal)
            ? value
            : "h-" + HashId(value);
    }

    /// <summary>The uploads blob name a ledger entry came from (the inverse of <see cref="TryParse"/>).</summary>
    public static string BlobName(string partner, string dataset, string fileName) => $"{partner}/{dataset}/{fileName}";

    public static string CuratedPath(string dataset, string partner, string uploadId)
        => $"{SafeSegment(dataset)}/partner={SafeSegment(partner)}/{uploadId}.parquet";

    public static string ReportJsonPath(string dataset, string uploadId) => $"{SafeSegment(dataset)}/{uploadId}.json";

    public static string ReportHtmlPath(string dataset, string uploadId) => $"{SafeSegment(dataset)}/{uploadId}.html";

    private static string HashId(string text)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(text), hash);
        return Base32(hash)[..UploadIdLength];
    }

    private static string Base32(ReadOnlySpan<byte> data)
    {
        var output = new StringBuilder((data.Length * 8 + 4) / 5);
        int buffer = 0, bits = 0;
        foreach (var b in data)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                output.Append(Base32Alphabet[(buffer >> (bits - 5)) & 31]);
                bits -= 5;
            }
        }

        if (bits > 0)
        {
            output.Append(Base32Alphabet[(buffer << (5 - bits)) & 31]);
        }

        return output.ToString();
    }

    [GeneratedRegex("^[a-z2-7]{26}$", RegexOptions.CultureInvariant)]
    private static partial Regex UploadIdPattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex SafeSegmentPattern();

    [GeneratedRegex(@"(\.[A-Za-z][A-Za-z0-9]{0,4}){1,2}$", RegexOptions.CultureInvariant)]
    private static partial Regex PlainExtension();
}

/// <param name="BlobName">The whole blob name inside the uploads container.</param>
/// <param name="Partner">First segment.</param>
/// <param name="Dataset">Second segment.</param>
/// <param name="FileName">Third segment, raw: for the cleaner only (a <c>.gz</c> suffix); reports and the ledger show
/// <see cref="UploadNaming.ShownFileName"/> of it.</param>
public readonly record struct UploadName(string BlobName, string Partner, string Dataset, string FileName);
