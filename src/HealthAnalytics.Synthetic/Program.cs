using System.Diagnostics;
using System.Globalization;
using Azure.Storage.Blobs;
using HealthAnalytics.Synthetic;

// ./dev seed: writes a synthetic encounters file, its truth and ground truth, and optionally
// uploads the file where a partner would drop it. Usage: see SeedArguments.Usage.
SeedArguments args2;
try
{
    args2 = SeedArguments.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"seed: {e.Message}");
    Console.Error.WriteLine(SeedArguments.Usage);
    return 2;
}

if (args2.Help)
{
    Console.WriteLine(SeedArguments.Usage);
    return 0;
}

var clock = Stopwatch.StartNew();
GenerationTruth truth = EncounterGenerator.WriteFiles(args2.Out, args2.Options);
double seconds = clock.Elapsed.TotalSeconds;
long fileBytes = new FileInfo(args2.Out).Length;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"seed: {args2.Out} ({fileBytes:N0} bytes, {truth.Bytes / 1e6 / Math.Max(seconds, 1e-9):F0} MB/s): read {truth.Rows.Read}, kept {truth.Rows.Kept}, fixed {truth.Rows.Fixed}, quarantined {truth.Rows.Quarantined}, duplicate {truth.Rows.Duplicate}, blank {truth.Rows.Blank}; K={truth.Subgroups}, Bayes AUC {truth.BayesAuc:F3}; truth {EncounterGenerator.TruthPath(args2.Out)}"));

if (args2.Upload is { } connection)
{
    var container = new BlobContainerClient(connection, "uploads");
    await container.CreateIfNotExistsAsync();
    string blobName = $"{args2.Partner}/{args2.Dataset}/{Path.GetFileName(args2.Out)}";
    await using (FileStream file = File.OpenRead(args2.Out))
    {
        await container.GetBlobClient(blobName).UploadAsync(file, overwrite: true);
    }

    Console.WriteLine($"uploads/{blobName}");
}

return 0;

/// <summary>Command line of the seed tool.</summary>
internal sealed record SeedArguments(GeneratorOptions Options, string Out, string? Upload, string Partner, string Dataset, bool Help)
{
    public const string Usage =
        "usage: seed [--rows N] [--seed S] [--subgroups K] [--dirty] [--french] [--gzip] [--glucose-mmol]\n" +
        "            [--out FILE] [--upload CONNECTION_STRING] [--partner P] [--dataset encounters]\n" +
        "  writes FILE (default .tmp/seed/encounters-{seed}.csv[.gz]), {base}.truth.json and {base}.groundtruth.csv;\n" +
        "  --upload (or HA_STORAGE_CONNECTION when --upload is absent) puts FILE at uploads/{partner}/{dataset}/{file name}.";

    public static SeedArguments Parse(string[] args)
    {
        var o = new GeneratorOptions();
        string? output = null, upload = null;
        string partner = "demo-hospital", dataset = "encounters";
        bool help = false;
        for (int i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--rows": o = o with { Rows = long.Parse(Value(), CultureInfo.InvariantCulture) }; break;
                case "--seed": o = o with { Seed = long.Parse(Value(), CultureInfo.InvariantCulture) }; break;
                case "--subgroups": o = o with { Subgroups = int.Parse(Value(), CultureInfo.InvariantCulture) }; break;
                case "--dirty": o = o with { Dirt = DirtRates.Typical }; break;
                case "--french": o = o with { Dialect = CsvDialect.French }; break;
                case "--gzip": o = o with { Gzip = true }; break;
                case "--glucose-mmol": o = o with { GlucoseInMmolHeader = true }; break;
                case "--out": output = Value(); break;
                case "--upload": upload = Value(); break;
                case "--partner": partner = Value(); break;
                case "--dataset": dataset = Value(); break;
                case "--help" or "-h": help = true; break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }

        o.Validate();
        if (!IsSafeSegment(partner) || !IsSafeSegment(dataset))
        {
            throw new ArgumentException("--partner and --dataset must be non-empty and hold no '/'");
        }

        output ??= Path.Combine(".tmp", "seed", $"encounters-{o.Seed.ToString(CultureInfo.InvariantCulture)}{(o.Dialect == CsvDialect.French ? "-fr" : "")}{(o.Gzip ? ".csv.gz" : ".csv")}");
        upload ??= Environment.GetEnvironmentVariable("HA_STORAGE_CONNECTION") is { Length: > 0 } env ? env : null;
        return new SeedArguments(o, output, upload, partner, dataset, help);
    }

    private static bool IsSafeSegment(string s) => s.Length > 0 && !s.Contains('/', StringComparison.Ordinal) && s != "." && s != "..";
}
