using System.Text;
using HealthAnalytics.Contracts;
using HealthAnalytics.Synthetic;
using static HealthAnalytics.Ingestion.Tests.Ingestion.CleanerHarness;

namespace HealthAnalytics.Ingestion.Tests.Ingestion;

/// <summary>
/// A primary key of one pseudonymized identifier column takes its duplicate fingerprint from the pseudonym instead of a
/// second HMAC (docs/ingestion.md, Duplicates). Differential: the same uploads through the run-keyed fingerprint give
/// the same rows, counts and Parquet bytes.
/// </summary>
public sealed class KeyPseudonymFingerprintTests
{
    private static readonly IngestionOptions FromPseudonym = new();
    private static readonly IngestionOptions RunKeyed = new() { KeyFingerprintFromPseudonym = false };

    /// <summary>encounter_id may be empty: those rows keep a fingerprint of their own (one key, the empty one).</summary>
    private static DatasetContract OptionalKey() => Encounters with
    {
        Columns = [.. Encounters.Columns.Select(c => c.Name == "encounter_id" ? c with { Required = false } : c)],
    };

    [Fact]
    public async Task Clean_GeneratedDirtyUpload_SameOutcomeAsTheRunKeyedFingerprint()
    {
        using var file = new MemoryStream();
        EncounterGenerator.Write(file, new GeneratorOptions { Rows = 30_000, Seed = 7, Dirt = DirtRates.Typical });

        var a = await CleanAsync(file.ToArray(), options: FromPseudonym);
        var b = await CleanAsync(file.ToArray(), options: RunKeyed);

        a.AssertCurated();
        Assert.True(a.Report.Rows.Duplicate > 100, $"the generated file should hold duplicates: {a.Report.Rows.Duplicate}");
        Assert.Equal(b.Report.Rows, a.Report.Rows);
        Assert.Equal(b.Parquet, a.Parquet);
    }

    [Fact]
    public async Task Clean_PaddedNfdAndEmptyKeys_SameOutcomeAsTheRunKeyedFingerprint()
    {
        var csv = Csv(
            Row(("encounter_id", "ENC-caf\u00e9"), ("patient_id", "P1")),
            Row(("encounter_id", "ENC-cafe\u0301"), ("patient_id", "P2")), // NFD twin: duplicate
            Row(("encounter_id", "  E7\t"), ("patient_id", "P3")),
            Row(("encounter_id", "E7"), ("patient_id", "P4")), // padded twin: duplicate
            Row(("encounter_id", ""), ("patient_id", "P5")),
            Row(("encounter_id", "   "), ("patient_id", "P6")), // the empty key again: duplicate
            Row(("encounter_id", "e7"), ("patient_id", "P7"))); // another key: case is kept

        var a = await CleanAsync(Encoding.UTF8.GetBytes(csv), contract: OptionalKey(), options: FromPseudonym);
        var b = await CleanAsync(Encoding.UTF8.GetBytes(csv), contract: OptionalKey(), options: RunKeyed);

        a.AssertCurated();
        Assert.Equal(3, a.Report.Rows.Duplicate);
        Assert.Equal(4, a.Report.Rows.Written);
        Assert.Equal(b.Report.Rows, a.Report.Rows);
        Assert.Equal(b.Parquet, a.Parquet);
    }

    [Fact]
    public async Task Clean_UpperCasedIdentifierKey_KeepsItsOwnFingerprint_CaseTwinsStayTwoKeys()
    {
        // upperCase makes "e1" and "E1" one pseudonym but two raw keys: such a key cannot take the pseudonym as its
        // fingerprint without dropping a row the run-keyed fingerprint keeps.
        var contract = Encounters with
        {
            Columns = [.. Encounters.Columns.Select(c => c.Name == "encounter_id" ? c with { UpperCase = true } : c)],
        };

        var r = await CleanAsync(Csv(Row(("encounter_id", "e1")), Row(("encounter_id", "E1"))), contract: contract, options: FromPseudonym);

        r.AssertCurated();
        Assert.Equal(0, r.Report.Rows.Duplicate);
        Assert.Equal(2, r.Report.Rows.Written);
    }
}
