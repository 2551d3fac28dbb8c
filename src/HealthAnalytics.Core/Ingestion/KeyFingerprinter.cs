using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace HealthAnalytics.Ingestion;

/// <summary>
/// Duplicate-key fingerprints a partner cannot steer: HMAC-SHA256 under a random 256-bit key drawn for each run,
/// truncated to 128 bits, over the primary key's values trimmed and NFC-normalized (the same text the pseudonym
/// hashes, so NFC/NFD twins are one key), each written as a 4-byte length and its UTF-8 bytes. Without the key,
/// which never leaves the process, nobody can choose two keys that collide; by chance, a collision among
/// n = 17 M keys has probability ≈ n²/2¹²⁹ ≈ 4·10⁻²⁵. Same HMAC path as the pseudonyms (lanes or platform).
/// A key of one pseudonymized identifier column uses its pseudonym instead (the cleaner's <c>KeyIsPseudonym</c>).
/// </summary>
internal sealed class KeyFingerprinter : IDisposable
{
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);
    private readonly HmacSha256Lanes _lanes;
    private readonly bool _platform;

    public KeyFingerprinter(bool usePlatformHmac)
    {
        _lanes = new HmacSha256Lanes(_key);
        _platform = usePlatformHmac;
    }

    /// <summary>
    /// Appends one key value to a message being built in <paramref name="message"/>: trimmed, NFC, length-prefixed.
    /// <paramref name="ascii"/> says the value is known to be ASCII (already NFC: its trimmed bytes are copied).
    /// </summary>
    public static void AppendPart(List<byte> message, ReadOnlySpan<byte> utf8, bool ascii)
    {
        ReadOnlySpan<byte> text = ascii ? utf8.Trim(" \t\n\v\f\r"u8) : Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(utf8).Trim().Normalize(NormalizationForm.FormC));
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(length, text.Length);
        message.AddRange(length);
        message.AddRange(text);
    }

    /// <summary>The 128-bit fingerprint of each message <c>source[m.Start..(m.Start + m.Length)]</c>.</summary>
    public void Compute(ReadOnlySpan<byte> source, ReadOnlySpan<(int Start, int Length)> messages, Span<UInt128> destination)
    {
        const int Chunk = 64;
        Span<byte> macs = stackalloc byte[Chunk * HmacSha256Lanes.MacLength];
        for (var first = 0; first < messages.Length; first += Chunk)
        {
            var n = Math.Min(Chunk, messages.Length - first);
            if (_platform)
            {
                for (var i = 0; i < n; i++)
                {
                    var (start, length) = messages[first + i];
                    HMACSHA256.HashData(_key, source.Slice(start, length), macs.Slice(i * HmacSha256Lanes.MacLength, HmacSha256Lanes.MacLength));
                }
            }
            else
            {
                _lanes.ComputeMacs(source, messages.Slice(first, n), macs, HmacSha256Lanes.HardwareLanes);
            }

            for (var i = 0; i < n; i++)
            {
                destination[first + i] = BinaryPrimitives.ReadUInt128LittleEndian(macs[(i * HmacSha256Lanes.MacLength)..]);
            }
        }
    }

    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_key);
        _lanes.Dispose();
    }
}
