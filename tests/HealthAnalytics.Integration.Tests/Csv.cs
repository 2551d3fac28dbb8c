using HealthAnalytics.Synthetic;

namespace HealthAnalytics.Integration.Tests;

/// <summary>Seeded synthetic <c>encounters</c> uploads from the project's generator.</summary>
public static class Csv
{
    public static byte[] Encounters(int rows, int seed) => Generate(rows, seed).Bytes;

    public static (byte[] Bytes, GenerationTruth Truth) Generate(int rows, int seed, bool dirty = false)
    {
        using var output = new MemoryStream();
        var truth = EncounterGenerator.Write(output, new GeneratorOptions
        {
            Rows = rows,
            Seed = seed,
            Dirt = dirty ? DirtRates.Typical : DirtRates.None,
        });
        return (output.ToArray(), truth);
    }
}
