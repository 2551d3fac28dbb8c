using System.Diagnostics;
using System.Globalization;

namespace HealthAnalytics.Synthetic;

/// <summary>The seed tool, callable from tests without a process.</summary>
public static class SeedCommand
{
    /// <returns>The process exit code: 0 on success, 2 on a usage error.</returns>
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        SeedArguments a;
        try
        {
            a = SeedArguments.Parse(args);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
        {
            await stderr.WriteLineAsync($"seed: {e.Message}");
            await stderr.WriteLineAsync(SeedArguments.Usage);
            return 2;
        }

        if (a.Help)
        {
            await stdout.WriteLineAsync(SeedArguments.Usage);
            return 0;
        }

        var clock = Stopwatch.StartNew();
        GenerationTruth truth = EncounterGenerator.WriteFiles(a.Out, a.Options);
        double seconds = clock.Elapsed.TotalSeconds;
        long fileBytes = new FileInfo(a.Out).Length;
        await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"seed: {a.Out} ({fileBytes} bytes in {seconds:F2} s): read {truth.Rows.Read}, kept {truth.Rows.Kept}, fixed {truth.Rows.Fixed}, quarantined {truth.Rows.Quarantined}, duplicate {truth.Rows.Duplicate}, blank {truth.Rows.Blank}; K={truth.Subgroups}, Bayes AUC {truth.BayesAuc:F3}; truth {EncounterGenerator.TruthPath(a.Out)}"));

        if (a.Upload is { } connection)
        {
            string blobName = $"{a.Partner}/{a.Dataset}/{Path.GetFileName(a.Out)}";
            await UploadCommand.PutAsync(connection, blobName, a.Out, cancellationToken);

            await stdout.WriteLineAsync($"uploads/{blobName}");
        }

        return 0;
    }
}

/// <summary>Command line of the seed tool.</summary>
public sealed record SeedArguments(GeneratorOptions Options, string Out, string? Upload, string Partner, string Dataset, bool Help)
{
    public const string Usage =
        "usage: seed [--rows N] [--seed S] [--subgroups K] [--dirty] [--french] [--gzip] [--glucose-mmol]\n" +
        "            [--out FILE] [--upload CONNECTION_STRING] [--partner P] [--dataset encounters]\n" +
        "  writes FILE (default .tmp/seed/encounters-{seed}.csv[.gz]), {base}.truth.json and {base}.groundtruth.csv;\n" +
        "  --upload puts FILE at uploads/{partner}/{dataset}/{file name} (container created if missing).";

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
        return new SeedArguments(o, output, upload, partner, dataset, help);
    }

    private static bool IsSafeSegment(string s) => s.Length > 0 && !s.Contains('/', StringComparison.Ordinal) && s != "." && s != "..";
}
