using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace HealthAnalytics.Ingestion;

/// <summary>
/// Known-answer self-test of every <see cref="HmacSha256Lanes"/> code path (8, 4 and 1 lanes, raw and hex output),
/// run at start-up: the lane width in production is chosen by a CPU that CI never sees, so the path that will hash
/// the identifiers is checked on the machine that runs it. Vectors: all seven of RFC 4231 (HMAC-SHA-256), each in a
/// full batch plus a tail, then a batch of messages from 0 to 1,000 bytes with uneven block counts against the
/// platform <see cref="HMACSHA256"/>. A failure names the path and the vector, never data.
/// </summary>
internal static class HmacSha256SelfTest
{
    /// <summary>RFC 4231 §4.2–4.8: key, data, HMAC-SHA-256 (case 5 is truncated to 128 bits by the RFC).</summary>
    internal static readonly (string Key, string Data, string Mac)[] Rfc4231 =
    [
        (string.Concat(Enumerable.Repeat("0b", 20)), "4869205468657265", "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
        ("4a656665", "7768617420646f2079612077616e7420666f72206e6f7468696e673f", "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
        (string.Concat(Enumerable.Repeat("aa", 20)), string.Concat(Enumerable.Repeat("dd", 50)), "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
        ("0102030405060708090a0b0c0d0e0f10111213141516171819", string.Concat(Enumerable.Repeat("cd", 50)), "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
        (string.Concat(Enumerable.Repeat("0c", 20)), "546573742057697468205472756e636174696f6e", "a3b6167473100ee06e0c796c2955552b"),
        (string.Concat(Enumerable.Repeat("aa", 131)), Convert.ToHexString("Test Using Larger Than Block-Size Key - Hash Key First"u8), "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
        (string.Concat(Enumerable.Repeat("aa", 131)), Convert.ToHexString("This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm."u8), "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
    ];

    private static readonly int[] LaneCounts = [8, 4, 1];

    /// <summary>Null when every path gives the known answers; else which path and vector failed.</summary>
    /// <param name="faultyLanes">Test hook passed to <see cref="HmacSha256Lanes.FaultyLanesForTest"/> (0 = none).</param>
    public static string? Run(int faultyLanes = 0)
    {
        foreach (var lanes in LaneCounts)
        {
            for (var c = 0; c < Rfc4231.Length; c++)
            {
                var (keyHex, dataHex, macHex) = Rfc4231[c];
                var expected = Convert.FromHexString(macHex);
                var data = Convert.FromHexString(dataHex);
                using var hmac = new HmacSha256Lanes(Convert.FromHexString(keyHex)) { FaultyLanesForTest = faultyLanes };

                // lanes + 1 copies: one full pass of the lanes and a tail with idle lanes.
                var messages = Enumerable.Repeat((0, data.Length), lanes + 1).ToArray();
                var macs = new byte[messages.Length * HmacSha256Lanes.MacLength];
                hmac.ComputeMacs(data, messages, macs, lanes);
                var hex = new byte[messages.Length * HmacSha256Lanes.HexLength];
                hmac.ComputeHex(data, messages, hex, lanes);

                // The truncated hex the pseudonyms use (docs/decisions/0003-pseudonym-length.md) is its own output path.
                var pseudonymHex = new byte[messages.Length * Pseudonymizer.Length];
                hmac.ComputeHex(data, messages, pseudonymHex, lanes, Pseudonymizer.Length);
                var truncated = System.Text.Encoding.ASCII.GetBytes(macHex.Length >= Pseudonymizer.Length ? macHex[..Pseudonymizer.Length] : macHex);
                for (var m = 0; m < messages.Length; m++)
                {
                    var mac = macs.AsSpan(m * HmacSha256Lanes.MacLength, expected.Length);
                    var macAsHex = hex.AsSpan(m * HmacSha256Lanes.HexLength, expected.Length * 2);
                    var pseudonym = pseudonymHex.AsSpan(m * Pseudonymizer.Length, truncated.Length);
                    if (!mac.SequenceEqual(expected) || !macAsHex.SequenceEqual(System.Text.Encoding.ASCII.GetBytes(macHex)) || !pseudonym.SequenceEqual(truncated))
                    {
                        return $"the {lanes}-lane path gave a wrong HMAC-SHA256 for RFC 4231 test case {c + 1}";
                    }
                }
            }

            if (!MatchesPlatform(lanes, faultyLanes))
            {
                return $"the {lanes}-lane path disagrees with the platform HMACSHA256 on messages of 0 to 1,000 bytes";
            }
        }

        return null;
    }

    /// <summary>Messages of every length class (one, two and many blocks; the 55/56 and 63/64 padding edges) in one batch.</summary>
    private static bool MatchesPlatform(int lanes, int faultyLanes)
    {
        int[] lengths = [0, 1, 31, 55, 56, 63, 64, 65, 119, 120, 127, 128, 200, 1000, 8, 9, 300];
        var source = new byte[lengths.Sum()];
        for (var i = 0; i < source.Length; i++)
        {
            source[i] = (byte)((i * 31) + 7);
        }

        var key = new byte[32];
        for (var i = 0; i < key.Length; i++)
        {
            key[i] = (byte)(0xA0 + i);
        }

        var messages = new (int Start, int Length)[lengths.Length];
        for (int i = 0, at = 0; i < lengths.Length; at += lengths[i], i++)
        {
            messages[i] = (at, lengths[i]);
        }

        using var hmac = new HmacSha256Lanes(key) { FaultyLanesForTest = faultyLanes };
        var macs = new byte[messages.Length * HmacSha256Lanes.MacLength];
        hmac.ComputeMacs(source, messages, macs, lanes);
        Span<byte> expected = stackalloc byte[HmacSha256Lanes.MacLength];
        for (var m = 0; m < messages.Length; m++)
        {
            HMACSHA256.HashData(key, source.AsSpan(messages[m].Start, messages[m].Length), expected);
            if (!macs.AsSpan(m * HmacSha256Lanes.MacLength, HmacSha256Lanes.MacLength).SequenceEqual(expected))
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>Test hook: makes the start-up self-test see a faulty lane path (registered only by tests).</summary>
internal sealed record HmacSelfTestFault(int Lanes);

/// <summary>
/// Runs <see cref="HmacSha256SelfTest"/> when the pseudonymization options are validated, which
/// <c>ValidateOnStart</c> does before a host serves: a mismatch fails the start. With
/// <c>Pseudonymization:Implementation = platform</c> the lanes are not used, so they are not tested.
/// </summary>
internal sealed class PseudonymizationSelfTest(HmacSelfTestFault? fault = null) : IValidateOptions<PseudonymizationOptions>
{
    public ValidateOptionsResult Validate(string? name, PseudonymizationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Implementation == "platform")
        {
            return ValidateOptionsResult.Success;
        }

        return HmacSha256SelfTest.Run(fault?.Lanes ?? 0) is { } failure
            ? ValidateOptionsResult.Fail($"HMAC-SHA256 start-up self-test failed: {failure}. Pseudonyms would be wrong; the host refuses to start (Pseudonymization:Implementation = platform switches to .NET's HMACSHA256).")
            : ValidateOptionsResult.Success;
    }
}
