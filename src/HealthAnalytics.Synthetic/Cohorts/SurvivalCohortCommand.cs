using System.Globalization;

namespace HealthAnalytics.Synthetic.Cohorts;

/// <summary>
/// <c>cohort [--rows N] [--seed S] [--out FILE]</c>: writes the synthetic time-to-event cohort (FILE, default
/// <c>.tmp/seed/survival-cohort-{seed}.csv</c>) and its truth beside it (<c>{base}.truth.csv</c>).
/// </summary>
public static class SurvivalCohortCommand
{
    public const string Usage = "usage: cohort [--rows N] [--seed S] [--out FILE]\n  writes FILE (default .tmp/seed/survival-cohort-{seed}.csv) and {base}.truth.csv.";

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        var options = new SurvivalCohortOptions();
        string? output = null;
        try
        {
            for (var i = 0; i < args.Length; i++)
            {
                switch (args[i])
                {
                    case "--rows":
                        options = options with { Rows = int.Parse(args[++i], CultureInfo.InvariantCulture) };
                        break;
                    case "--seed":
                        options = options with { Seed = ulong.Parse(args[++i], CultureInfo.InvariantCulture) };
                        break;
                    case "--out":
                        output = args[++i];
                        break;
                    default:
                        stderr.WriteLine(Usage);
                        return 2;
                }
            }
        }
        catch (Exception ex) when (ex is FormatException or OverflowException or IndexOutOfRangeException)
        {
            stderr.WriteLine(Usage);
            return 2;
        }

        output ??= Path.Combine(".tmp", "seed", string.Create(CultureInfo.InvariantCulture, $"survival-cohort-{options.Seed}.csv"));
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        var cohort = SurvivalCohort.Generate(options);
        using (var writer = new StreamWriter(output))
        {
            cohort.WriteCsv(writer);
        }

        var truthPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(output))!, Path.GetFileNameWithoutExtension(output) + ".truth.csv");
        using (var writer = new StreamWriter(truthPath))
        {
            cohort.WriteTruthCsv(writer);
        }

        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"cohort: {cohort.Rows} rows, {cohort.Event.Count(e => e)} events; {output}; truth {truthPath}"));
        return 0;
    }
}
