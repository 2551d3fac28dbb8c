using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace HealthAnalytics.Ingestion;

/// <summary>
/// Keyed pseudonyms: the first 128 bits of <c>HMAC-SHA256(key, UTF-8(NFC(trim(value))))</c> in lower-case hex,
/// 32 characters (HMAC-SHA-256-128, the truncation RFC 4868 uses; why: docs/decisions/0003-pseudonym-length.md).
/// The same value gets the same pseudonym in every file and partner; without the key it cannot be
/// reversed or recomputed. Thread-safe; the ASCII hot path does not allocate. Disposing zeroes the key material.
/// </summary>
public sealed class Pseudonymizer : IDisposable
{
    /// <summary>Characters of a pseudonym: the hex of the MAC's first 16 bytes.</summary>
    public const int Length = 32;

    /// <summary>Values hashed per call of the multi-buffer HMAC: a run of ASCII values is collected on the stack first.</summary>
    private const int RunLength = 64;

    private readonly byte[] _key;

    // Immutable keyed midstates, shared by all threads (see HmacSha256Lanes for why not OpenSSL).
    private readonly HmacSha256Lanes _lanes;

    public Pseudonymizer(IOptions<PseudonymizationOptions> options)
        : this(options?.Value.Key ?? throw new ArgumentNullException(nameof(options)), options.Value.KeyId, options.Value.Implementation == "platform")
    {
    }

    public Pseudonymizer(string key, string keyId = "default")
        : this(key, keyId, usePlatformHmac: false)
    {
    }

    /// <param name="usePlatformHmac">Batches through .NET's <see cref="HMACSHA256"/> instead of <see cref="HmacSha256Lanes"/> (setting <c>Pseudonymization:Implementation = platform</c>).</param>
    public Pseudonymizer(string key, string keyId, bool usePlatformHmac)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        _key = Encoding.UTF8.GetBytes(key);
        _lanes = new HmacSha256Lanes(_key);
        KeyId = keyId;
        UsesPlatformHmac = usePlatformHmac;
    }

    public string KeyId { get; }

    /// <summary>True when batches go through the platform <see cref="HMACSHA256"/> (the switch away from the lanes).</summary>
    public bool UsesPlatformHmac { get; }

    /// <summary>Zeroes the key bytes and the keyed midstates; the instance cannot be used afterwards.</summary>
    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_key);
        _lanes.Dispose();
    }

    public string Pseudonymize(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        Span<char> hex = stackalloc char[Length];
        Pseudonymize(value.AsSpan(), hex);
        return new string(hex);
    }

    /// <summary>Writes the <see cref="Length"/> hex characters of the pseudonym of <paramref name="value"/> into <paramref name="destination"/>.</summary>
    public void Pseudonymize(ReadOnlySpan<char> value, Span<char> destination)
    {
        value = value.Trim();
        Span<byte> hash = stackalloc byte[32];
        if (Ascii.IsValid(value) && value.Length <= 512)
        {
            // ASCII is already in NFC: hash its bytes directly.
            Span<byte> utf8 = stackalloc byte[value.Length];
            Ascii.FromUtf16(value, utf8, out _);
            HMACSHA256.TryHashData(_key, utf8, hash, out _);
        }
        else
        {
            var normalized = value.ToString().Normalize(NormalizationForm.FormC);
            var max = Encoding.UTF8.GetMaxByteCount(normalized.Length);
            var rented = ArrayPool<byte>.Shared.Rent(max);
            try
            {
                var n = Encoding.UTF8.GetBytes(normalized, rented);
                HMACSHA256.TryHashData(_key, rented.AsSpan(0, n), hash, out _);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }

        Convert.TryToHexStringLower(hash[..(Length / 2)], destination, out _);
    }

    /// <summary>
    /// Pseudonyms of many UTF-8 values at once, <see cref="Length"/> lower-case hex UTF-8 bytes per value, consecutively: value
    /// <c>i</c> = <c>utf8Source[v.Start..(v.Start + v.Length)]</c> gets exactly the pseudonym that
    /// <see cref="Pseudonymize(string)"/> gives its decoded text (trimmed, NFC). ASCII values, the usual identifiers,
    /// go through the multi-buffer HMAC (8 at a time with AVX2: ~0.2 µs per short value against ~1.1–1.4 µs through
    /// OpenSSL); others take the normalizing path. Pass many values per call: lanes are only full with 8 or more, and one
    /// value per call costs as much as OpenSSL. Thread-safe; does not allocate for ASCII values.
    /// </summary>
    public void PseudonymizeBatch(ReadOnlySpan<byte> utf8Source, ReadOnlySpan<(int Start, int Length)> values, Span<byte> hexDestination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(hexDestination.Length, values.Length * Length, nameof(hexDestination));
        Span<(int Start, int Length)> run = stackalloc (int Start, int Length)[RunLength];
        var runCount = 0;
        var runFirst = 0;
        Span<char> hex = stackalloc char[Length];
        for (var i = 0; i < values.Length; i++)
        {
            var (start, length) = values[i];
            var value = utf8Source.Slice(start, length);
            if (Ascii.IsValid(value))
            {
                // Same trim as string.Trim() on ASCII: char.IsWhiteSpace is exactly \t..\r and space there.
                while (length > 0 && IsAsciiWhiteSpace(utf8Source[start]))
                {
                    start++;
                    length--;
                }

                while (length > 0 && IsAsciiWhiteSpace(utf8Source[start + length - 1]))
                {
                    length--;
                }

                if (runCount == 0)
                {
                    runFirst = i;
                }

                run[runCount++] = (start, length);
                if (runCount == RunLength)
                {
                    HashRun(utf8Source, run, hexDestination.Slice(runFirst * Length, runCount * Length));
                    runCount = 0;
                }

                continue;
            }

            if (runCount > 0)
            {
                HashRun(utf8Source, run[..runCount], hexDestination.Slice(runFirst * Length, runCount * Length));
                runCount = 0;
            }

            // Rare: non-ASCII text needs NFC first, so it goes through the string path.
            Pseudonymize(Encoding.UTF8.GetString(value), hex);
            Ascii.FromUtf16(hex, hexDestination.Slice(i * Length, Length), out _);
        }

        if (runCount > 0)
        {
            HashRun(utf8Source, run[..runCount], hexDestination.Slice(runFirst * Length, runCount * Length));
        }
    }

    /// <summary>A run of trimmed ASCII values: eight at a time through the lanes, or one by one through the platform HMAC.</summary>
    private void HashRun(ReadOnlySpan<byte> source, ReadOnlySpan<(int Start, int Length)> run, Span<byte> hexDestination)
    {
        if (!UsesPlatformHmac)
        {
            _lanes.ComputeHex(source, run, hexDestination, HmacSha256Lanes.HardwareLanes, Length);
            return;
        }

        Span<byte> mac = stackalloc byte[HmacSha256Lanes.MacLength];
        for (var i = 0; i < run.Length; i++)
        {
            HMACSHA256.HashData(_key, source.Slice(run[i].Start, run[i].Length), mac);
            Convert.TryToHexStringLower(mac[..(Length / 2)], hexDestination.Slice(i * Length, Length), out _);
        }
    }

    private static bool IsAsciiWhiteSpace(byte b) => b == (byte)' ' || (uint)(b - '\t') <= '\r' - '\t';
}
