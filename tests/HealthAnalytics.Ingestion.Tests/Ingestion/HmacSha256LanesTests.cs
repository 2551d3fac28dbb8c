using System.Security.Cryptography;
using System.Text;
using CsCheck;
using HealthAnalytics.Ingestion.Tests.Fuzzing;

namespace HealthAnalytics.Ingestion.Tests.Ingestion;

/// <summary>
/// The multi-buffer HMAC against .NET's <see cref="HMACSHA256"/> (OpenSSL): every message length across the 55/56-byte
/// one-block limit and several blocks, tails of every size, keys shorter than, equal to and longer than a block, and
/// each lane width (8 = AVX2, 4 = 128-bit, 1 = scalar) forced on this machine.
/// </summary>
public sealed class HmacSha256LanesTests
{
    public static readonly TheoryData<int, int> KeyLengthsAndLanes = Cross([1, 32, 64, 65, 200], [8, 4, 1]);

    [Theory]
    [MemberData(nameof(KeyLengthsAndLanes))]
    public void ComputeHex_EveryLength0To300InBatchesOf1To20_EqualsHmacSha256(int keyLength, int lanes)
    {
        var random = new Random(keyLength * 31 + lanes);
        var key = RandomBytes(random, keyLength);
        var hmac = new HmacSha256Lanes(key);

        // Lengths 0..300 in a seeded shuffle, so batches mix one-block and multi-block messages (uneven lanes).
        var lengths = Enumerable.Range(0, 301).ToArray();
        random.Shuffle(lengths);
        var (source, messages) = Layout(random, lengths);

        var batch = 1;
        for (var first = 0; first < messages.Length; first += batch, batch = batch % 20 + 1)
        {
            var slice = messages.AsSpan(first, Math.Min(batch, messages.Length - first));
            var hex = new byte[slice.Length * HmacSha256Lanes.HexLength];
            hmac.ComputeHex(source, slice, hex.AsSpan(), lanes);
            for (var i = 0; i < slice.Length; i++)
            {
                var expected = Expected(key, source.AsSpan(slice[i].Start, slice[i].Length));
                Assert.True(
                    expected == Encoding.ASCII.GetString(hex, i * HmacSha256Lanes.HexLength, HmacSha256Lanes.HexLength),
                    $"message of {slice[i].Length} bytes, lane {i} of a batch of {slice.Length}");
            }
        }
    }

    [Theory]
    [InlineData(8)]
    [InlineData(4)]
    [InlineData(1)]
    public void ComputeHex_Rfc4231TestCase2_GivesThePublishedMac(int lanes)
    {
        // RFC 4231 §4.3: key "Jefe", data "what do ya want for nothing?".
        var data = "what do ya want for nothing?"u8.ToArray();
        var hex = new byte[HmacSha256Lanes.HexLength];
        new HmacSha256Lanes("Jefe"u8).ComputeHex(data, [(0, data.Length)], hex.AsSpan(), lanes);
        Assert.Equal("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", Encoding.ASCII.GetString(hex));
    }

    [Theory]
    [InlineData(8)]
    [InlineData(4)]
    [InlineData(1)]
    public void ComputeHex_TruncatedTo32Characters_IsTheLeadingHexOfHmacSha256_ForEveryMessageOfABatch(int lanes)
    {
        var random = new Random(4868);
        var key = new byte[37];
        random.NextBytes(key);
        var (source, messages) = Layout(random, [.. Enumerable.Range(0, 21).Select(i => i * 13 % 150)]);
        var hex = new byte[messages.Length * 32];
        new HmacSha256Lanes(key).ComputeHex(source, messages, hex.AsSpan(), lanes, hexCharacters: 32);
        for (var m = 0; m < messages.Length; m++)
        {
            Assert.Equal(Expected(key, source.AsSpan(messages[m].Start, messages[m].Length))[..32], Encoding.ASCII.GetString(hex, m * 32, 32));
        }
    }

    [Fact]
    public void ComputeHex_HardwarePath_IsTheWidestAcceleratedOne()
    {
        var expected = System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated ? 8 : System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated ? 4 : 1;
        Assert.Equal(expected, HmacSha256Lanes.HardwareLanes);
    }

    [Fact]
    public void ComputeHex_RangeOutsideSourceOrShortDestination_Throws()
    {
        var hmac = new HmacSha256Lanes("k"u8);
        var source = new byte[10];
        Assert.Throws<ArgumentOutOfRangeException>(() => hmac.ComputeHex(source, [(5, 6)], new byte[64]));
        Assert.Throws<ArgumentOutOfRangeException>(() => hmac.ComputeHex(source, [(-1, 2)], new byte[64]));
        Assert.Throws<ArgumentOutOfRangeException>(() => hmac.ComputeHex(source, [(0, 1), (1, 1)], new byte[127]));
    }

    [Fact]
    public void ComputeHex_RandomKeysAndMessages_EqualHmacSha256InEveryLaneWidth()
    {
        var gen = Gen.Select(Gen.Byte.Array[1, 200], Gen.Byte.Array[0, 150].Array[1, 30]);
        FuzzSettings.Sample(
            gen,
            input =>
            {
                var (key, values) = input;
                var hmac = new HmacSha256Lanes(key);
                var source = values.SelectMany(v => v).ToArray();
                var messages = new (int Start, int Length)[values.Length];
                for (int i = 0, at = 0; i < values.Length; at += values[i].Length, i++)
                {
                    messages[i] = (at, values[i].Length);
                }

                var expected = string.Concat(values.Select(v => Expected(key, v)));
                foreach (var lanes in new[] { 8, 4, 1 })
                {
                    var hex = new byte[values.Length * HmacSha256Lanes.HexLength];
                    hmac.ComputeHex(source, messages, hex.AsSpan(), lanes);
                    Assert.Equal(expected, Encoding.ASCII.GetString(hex));
                }
            },
            FuzzSettings.Iterations(2_000));
    }

    private static string Expected(byte[] key, ReadOnlySpan<byte> message) => Convert.ToHexStringLower(HMACSHA256.HashData(key, message));

    /// <summary>Messages of <paramref name="lengths"/> laid out in one source with random gaps, so starts are not aligned.</summary>
    private static (byte[] Source, (int Start, int Length)[] Messages) Layout(Random random, int[] lengths)
    {
        var source = new List<byte>();
        var messages = new (int Start, int Length)[lengths.Length];
        for (var i = 0; i < lengths.Length; i++)
        {
            source.AddRange(RandomBytes(random, random.Next(0, 4)));
            messages[i] = (source.Count, lengths[i]);
            source.AddRange(RandomBytes(random, lengths[i]));
        }

        return (source.ToArray(), messages);
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static TheoryData<int, int> Cross(int[] first, int[] second)
    {
        var data = new TheoryData<int, int>();
        foreach (var a in first)
        {
            foreach (var b in second)
            {
                data.Add(a, b);
            }
        }

        return data;
    }
}
