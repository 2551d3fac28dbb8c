using System.Runtime.InteropServices;
using System.Text;
using HealthAnalytics.Ingestion;
using HealthAnalytics.Curated;
using static HealthAnalytics.Ingestion.Tests.Ingestion.CleanerHarness;

namespace HealthAnalytics.Ingestion.Tests.Ingestion;

/// <summary>Duplicate keys by a keyed 128-bit fingerprint over the NFC-normalized key (docs/ingestion.md, Duplicates).</summary>
public sealed class KeyFingerprintTests
{
    [Fact]
    public async Task Clean_NfcAndNfdTwinsOfOneKey_AreOneKeyAndShareOnePseudonym()
    {
        var nfc = "ENC-caf\u00e9-1";
        var nfd = "ENC-cafe\u0301-1";
        Assert.NotEqual(nfc, nfd);
        Assert.Equal(nfc, nfd.Normalize(NormalizationForm.FormC));

        var r = await CleanAsync(Csv(
            Row(("encounter_id", nfc), ("patient_id", "P1")),
            Row(("encounter_id", nfd), ("patient_id", "P2")),
            Row(("encounter_id", "ENC-other"), ("patient_id", "P3"))));

        r.AssertCurated();
        Assert.Equal(1, r.Report.Rows.Duplicate);
        Assert.Equal(2, r.Report.Rows.Written);
        var ids = await ParquetCheck.QueryAsync(r.Parquet, "SELECT encounter_id, patient_id FROM {0}", x => (x.GetString(0), x.GetString(1)));
        Assert.Equal(new Pseudonymizer(Key).Pseudonymize(nfd), ids[0].Item1); // first wins; its pseudonym is the NFC one
        Assert.Equal(new Pseudonymizer(Key).Pseudonymize("P1"), ids[0].Item2);
    }

    [Fact]
    public void Fingerprint_NfcNfdAndPaddedTwins_SameMessageSameFingerprint_DistinctKeysDiffer()
    {
        using var fingerprinter = new KeyFingerprinter(usePlatformHmac: false);
        string[] keys = ["caf\u00e9", "cafe\u0301", "  caf\u00e9\t", "cafe", "caf\u00e8"];
        var fingerprints = Fingerprints(fingerprinter, keys, k => Encoding.UTF8.GetBytes(k));
        Assert.Equal(fingerprints[0], fingerprints[1]);
        Assert.Equal(fingerprints[0], fingerprints[2]);
        Assert.Equal(3, fingerprints.Distinct().Count());
    }

    [Fact]
    public void Fingerprint_KeyedPerRun_TwoRunsGiveUnrelatedFingerprints_PlatformAndLanesAgreeWithinARun()
    {
        // A partner cannot precompute colliding keys: the fingerprint depends on a key drawn per run.
        string[] keys = [.. Enumerable.Range(0, 200).Select(i => $"E{i}")];
        using var a = new KeyFingerprinter(usePlatformHmac: false);
        using var b = new KeyFingerprinter(usePlatformHmac: false);
        var fa = Fingerprints(a, keys, Encoding.UTF8.GetBytes);
        var fb = Fingerprints(b, keys, Encoding.UTF8.GetBytes);
        Assert.Empty(fa.Intersect(fb));
        Assert.Equal(keys.Length, fa.Distinct().Count());
        Assert.Contains(fa, f => (ulong)(f >> 64) != 0); // all 128 bits are used
    }

    private static UInt128[] Fingerprints(KeyFingerprinter fingerprinter, string[] keys, Func<string, byte[]> utf8)
    {
        var message = new List<byte>();
        var ranges = new List<(int Start, int Length)>();
        foreach (var k in keys)
        {
            var start = message.Count;
            var bytes = utf8(k);
            KeyFingerprinter.AppendPart(message, bytes, ascii: System.Text.Ascii.IsValid(bytes));
            ranges.Add((start, message.Count - start));
        }

        var result = new UInt128[keys.Length];
        fingerprinter.Compute(CollectionsMarshal.AsSpan(message), CollectionsMarshal.AsSpan(ranges), result);
        return result;
    }
}
