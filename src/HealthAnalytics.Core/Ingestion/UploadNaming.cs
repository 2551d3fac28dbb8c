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

    /// <summary>Splits <c>{partner}/{dataset}/{file}</c>; false when a segment is missing or empty.</summary>
    public static bool TryParse(string blobName, out UploadName name)
    {
        ArgumentNullException.ThrowIfNull(blobName);
        name = default;
        var first = blobName.IndexOf('/', StringComparison.Ordinal);
        if (first <= 0)
        {
            return false;
        }

        var second = blobName.IndexOf('/', first + 1);
        if (second <= first + 1 || second == blobName.Length - 1)
        {
            return false;
        }

        name = new UploadName(blobName, blobName[..first], blobName[(first + 1)..second], blobName[(second + 1)..]);
        return true;
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
}

/// <param name="BlobName">The whole blob name inside the uploads container.</param>
/// <param name="Partner">First segment.</param>
/// <param name="Dataset">Second segment.</param>
/// <param name="FileName">The rest (may contain further <c>/</c>).</param>
public readonly record struct UploadName(string BlobName, string Partner, string Dataset, string FileName);
