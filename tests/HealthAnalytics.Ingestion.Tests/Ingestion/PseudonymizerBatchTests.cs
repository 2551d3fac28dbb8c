using System.Security.Cryptography;
using System.Text;

namespace HealthAnalytics.Ingestion.Tests.Ingestion;

/// <summary>
/// <see cref="Pseudonymizer.PseudonymizeBatch(ReadOnlySpan{byte}, ReadOnlySpan{ValueTuple{int, int}}, Span{byte})"/>
/// gives every value the pseudonym the one-value methods give its text: trimmed, NFC, whatever mix of ASCII and
/// non-ASCII values a batch holds.
/// </summary>
public sealed class PseudonymizerBatchTests
{
    private const string Key = "batch-test-key-0123456789-abcdefghijklmnopqrstuvwxyz";

    [Fact]
    public void PseudonymizeBatch_AsciiIdentifier_IsHmacSha256HexOfItsBytes()
    {
        var p = new Pseudonymizer(Key);
        var source = "  PAT-42\t"u8.ToArray();
        var hex = new byte[Pseudonymizer.Length];
        p.PseudonymizeBatch(source, [(0, source.Length)], hex.AsSpan());
        var expected = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Key), "PAT-42"u8))[..32]; // HMAC-SHA-256-128
        Assert.Equal(expected, Encoding.ASCII.GetString(hex));
    }

    [Fact]
    public void PseudonymizeBatch_AsciiValuesPaddedWithControlsAndSpaces_MatchPseudonymizeOfTheString()
    {
        var random = new Random(20_261_201);
        var values = new List<string>();
        for (var i = 0; i < 500; i++)
        {
            // Edges drawn from all ASCII controls, space and DEL: string.Trim() removes exactly \t..\r and space.
            values.Add(RandomAscii(random, 0, 3, 0, 33) + RandomAscii(random, 0, 30, 0, 128) + RandomAscii(random, 0, 3, 0, 33));
        }

        AssertBatchMatchesOneByOne(values);
    }

    [Fact]
    public void PseudonymizeBatch_NonAsciiAndInvalidUtf8AmongAsciiRuns_MatchPseudonymizeOfTheDecodedText()
    {
        var random = new Random(11);
        var specials = new[] { "Zoe\u0301", "Zo\u00E9", " \u00A0Zo\u00E9\u2003", "患者-7", "😀x", "\u0085PAT\u0085" };
        var values = new List<string>();
        for (var i = 0; i < 300; i++)
        {
            // Runs of ASCII longer and shorter than the 64-value run buffer, cut by non-ASCII values.
            values.Add(random.Next(40) == 0 ? specials[random.Next(specials.Length)] : "PAT-" + random.Next(1_000_000));
        }

        AssertBatchMatchesOneByOne(values);

        var p = new Pseudonymizer(Key);
        byte[] invalid = [(byte)'A', 0xFF, (byte)'B'];
        var hex = new byte[Pseudonymizer.Length];
        p.PseudonymizeBatch(invalid, [(0, invalid.Length)], hex.AsSpan());
        Assert.Equal(p.Pseudonymize(Encoding.UTF8.GetString(invalid)), Encoding.ASCII.GetString(hex));
    }

    [Fact]
    public void PseudonymizeBatch_NfcAndNfdForms_GiveTheSamePseudonym()
    {
        var p = new Pseudonymizer(Key);
        var source = Encoding.UTF8.GetBytes("Zoe\u0301" + "Zo\u00E9");
        var hex = new byte[2 * Pseudonymizer.Length];
        p.PseudonymizeBatch(source, [(0, 5), (5, 4)], hex.AsSpan());
        Assert.Equal(Encoding.ASCII.GetString(hex, 0, Pseudonymizer.Length), Encoding.ASCII.GetString(hex, Pseudonymizer.Length, Pseudonymizer.Length));
    }

    private static void AssertBatchMatchesOneByOne(List<string> values)
    {
        var p = new Pseudonymizer(Key);
        var source = new List<byte>();
        var ranges = new (int Start, int Length)[values.Count];
        for (var i = 0; i < values.Count; i++)
        {
            var bytes = Encoding.UTF8.GetBytes(values[i]);
            ranges[i] = (source.Count, bytes.Length);
            source.AddRange(bytes);
        }

        var utf8 = new byte[values.Count * Pseudonymizer.Length];
        p.PseudonymizeBatch(source.ToArray(), ranges, utf8.AsSpan());
        for (var i = 0; i < values.Count; i++)
        {
            var expected = p.Pseudonymize(values[i]);
            Assert.True(expected == Encoding.ASCII.GetString(utf8, i * Pseudonymizer.Length, Pseudonymizer.Length), $"value {i} (UTF-8 output)");
        }
    }

    private static string RandomAscii(Random random, int minLength, int maxLength, int minChar, int maxChar)
    {
        var chars = new char[random.Next(minLength, maxLength + 1)];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = (char)random.Next(minChar, maxChar);
        }

        return new string(chars);
    }
}
