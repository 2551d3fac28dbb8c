using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using HealthAnalytics.Ingestion;
using HealthAnalytics.Curated;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using static HealthAnalytics.Ingestion.Tests.Ingestion.CleanerHarness;

namespace HealthAnalytics.Ingestion.Tests.Ingestion;

/// <summary>
/// The controls around the hand-written multi-lane HMAC (docs/decisions/0001-multi-lane-hmac.md): all RFC 4231
/// vectors and inputs up to 1 MiB in every lane path, the start-up self-test that refuses to start on a wrong
/// digest, the switch to the platform HMACSHA256, and zeroed key material on dispose.
/// </summary>
public sealed class HmacControlsTests
{
    public static readonly TheoryData<int> Lanes = [8, 4, 1];

    [Fact]
    public void Rfc4231Vectors_AsWrittenInTheSelfTest_AreWhatThePlatformHmacComputes()
    {
        // Guards the table the self-test trusts: each published MAC (case 5 truncated to 128 bits) is HMACSHA256's.
        foreach (var (key, data, mac) in HmacSha256SelfTest.Rfc4231)
        {
            var platform = HMACSHA256.HashData(Convert.FromHexString(key), Convert.FromHexString(data));
            Assert.Equal(mac, Convert.ToHexStringLower(platform)[..mac.Length]);
        }

        Assert.Equal(7, HmacSha256SelfTest.Rfc4231.Length);
    }

    [Theory]
    [MemberData(nameof(Lanes))]
    public void EveryRfc4231Vector_InEveryLanePath_GivesThePublishedMac(int lanes)
    {
        foreach (var (keyHex, dataHex, macHex) in HmacSha256SelfTest.Rfc4231)
        {
            using var hmac = new HmacSha256Lanes(Convert.FromHexString(keyHex));
            var data = Convert.FromHexString(dataHex);
            var hex = new byte[HmacSha256Lanes.HexLength];
            hmac.ComputeHex(data, [(0, data.Length)], hex, lanes);
            Assert.Equal(macHex, Encoding.ASCII.GetString(hex)[..macHex.Length]);
        }
    }

    [Theory]
    [MemberData(nameof(Lanes))]
    public void InputsUpTo1MiB_InOneBatch_EqualHmacSha256(int lanes)
    {
        // Lengths up to 1 MiB mixed with short ones in one batch: lanes finish thousands of blocks apart.
        int[] lengths = [1 << 20, 0, 1, 55, 56, 64, 4095, 65_536, (1 << 20) - 1, 300, 123_457];
        var random = new Random(lanes);
        var source = new byte[lengths.Sum()];
        random.NextBytes(source);
        var key = new byte[48];
        random.NextBytes(key);
        var messages = new (int Start, int Length)[lengths.Length];
        for (int i = 0, at = 0; i < lengths.Length; at += lengths[i], i++)
        {
            messages[i] = (at, lengths[i]);
        }

        using var hmac = new HmacSha256Lanes(key);
        var macs = new byte[lengths.Length * HmacSha256Lanes.MacLength];
        hmac.ComputeMacs(source, messages, macs, lanes);
        for (var m = 0; m < messages.Length; m++)
        {
            var expected = HMACSHA256.HashData(key, source.AsSpan(messages[m].Start, messages[m].Length));
            Assert.True(expected.AsSpan().SequenceEqual(macs.AsSpan(m * 32, 32)), $"message of {lengths[m]} bytes differs");
        }
    }

    [Fact]
    public void SelfTest_HealthyPaths_Passes()
    {
        Assert.Null(HmacSha256SelfTest.Run());
    }

    [Theory]
    [MemberData(nameof(Lanes))]
    public void SelfTest_OneLanePathReturnsAWrongDigest_FailsNamingThatPath(int lanes)
    {
        var failure = HmacSha256SelfTest.Run(faultyLanes: lanes);
        Assert.NotNull(failure);
        Assert.Contains($"the {lanes}-lane path", failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HostStart_LanePathReturnsAWrongDigest_RefusesToStart()
    {
        using var host = BuildHost(new HmacSelfTestFault(Lanes: 4), implementation: null);
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));
        Assert.Contains("self-test failed: the 4-lane path", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Key, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HostStart_HealthyLanes_Starts()
    {
        using var host = BuildHost(fault: null, implementation: null);
        await host.StartAsync(TestContext.Current.CancellationToken);
        Assert.False(host.Services.GetRequiredService<Pseudonymizer>().UsesPlatformHmac);
        await host.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task HostStart_PlatformImplementation_StartsDespiteFaultyLanesAndGivesTheSamePseudonyms()
    {
        using var host = BuildHost(new HmacSelfTestFault(Lanes: 8), implementation: "platform");
        await host.StartAsync(TestContext.Current.CancellationToken);
        var platform = host.Services.GetRequiredService<Pseudonymizer>();
        Assert.True(platform.UsesPlatformHmac);
        using var lanes = new Pseudonymizer(Key, "test");

        var values = Enumerable.Range(0, 100).Select(i => $" P{i * 7919} ").ToArray();
        var source = Encoding.UTF8.GetBytes(string.Concat(values));
        var ranges = new (int Start, int Length)[values.Length];
        for (int i = 0, at = 0; i < values.Length; at += values[i].Length, i++)
        {
            ranges[i] = (at, values[i].Length);
        }

        var viaPlatform = new byte[values.Length * Pseudonymizer.Length];
        var viaLanes = new byte[values.Length * Pseudonymizer.Length];
        platform.PseudonymizeBatch(source, ranges, viaPlatform);
        lanes.PseudonymizeBatch(source, ranges, viaLanes);
        Assert.Equal(viaLanes, viaPlatform);
        Assert.Equal(lanes.Pseudonymize(values[3]), Encoding.ASCII.GetString(viaPlatform, 3 * Pseudonymizer.Length, Pseudonymizer.Length));
        await host.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public void Dispose_ZeroesTheKeyAndTheMidstates()
    {
        var pseudonymizer = new Pseudonymizer(Key, "test");
        var key = (byte[])Field(pseudonymizer, "_key");
        var lanes = (HmacSha256Lanes)Field(pseudonymizer, "_lanes");
        var inner = (uint[])Field(lanes, "_innerMidstate");
        var outer = (uint[])Field(lanes, "_outerMidstate");
        Assert.Contains(key, b => b != 0);
        Assert.Contains(inner, w => w != 0);

        pseudonymizer.Dispose();

        Assert.All(key, b => Assert.Equal(0, b));
        Assert.All(inner, w => Assert.Equal(0u, w));
        Assert.All(outer, w => Assert.Equal(0u, w));
        Assert.Throws<ObjectDisposedException>(() => lanes.ComputeHex("x"u8, [(0, 1)], new byte[64]));
    }

    private static object Field(object o, string name) =>
        o.GetType().GetField(name, BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(o)!;

    private static IHost BuildHost(HmacSelfTestFault? fault, string? implementation)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration["Pseudonymization:Key"] = Key;
        if (implementation is not null)
        {
            builder.Configuration["Pseudonymization:Implementation"] = implementation;
        }

        if (fault is not null)
        {
            builder.Services.AddSingleton(fault);
        }

        builder.Services.AddLogging().AddIngestion();
        return builder.Build();
    }
}
