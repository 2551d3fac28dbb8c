using System.Globalization;
using System.Text;
using HealthAnalytics.Bench.Measurement;
using HealthAnalytics.Curated;
using HealthAnalytics.Training;
using HealthAnalytics.Synthetic.Cohorts;
using HealthAnalytics.Training.Survival;

namespace HealthAnalytics.Bench.Survival;

/// <summary>
/// <c>./dev bench survival [--rows 100000,1000000] [--models cox,boosted] [--seed N]</c>: fit time and peak memory of
/// the survival trainers on the synthetic cohort (docs/survival.md). Each (rows, model) runs in its own child
/// process so its peak RSS is its own; the child generates and featurizes the cohort (plus null-effect noise
/// slots up to about 20 slots), then times the fit alone. Results: bench/results/survival-*.md.
/// </summary>
public static class SurvivalBench
{
    private const int NoiseSlots = 8;

    public static async Task<int> RunAsync(string[] args, string repoRoot, CancellationToken ct)
    {
        var rows = Option(args, "--rows", "100000,1000000").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        var models = Option(args, "--models", "cox,boosted").Split(',');
        var seed = Option(args, "--seed", "14");
        var lines = new List<string>
        {
            "| rows | model | fit wall s | fit CPU s | peak RSS MB | slots | events | detail |",
            "|---:|---|---:|---:|---:|---:|---:|---|",
        };
        var rc = 0;
        foreach (var n in rows)
        {
            foreach (var model in models)
            {
                var outcome = await ChildRun.RunAsync(["survival", model, n.ToString(CultureInfo.InvariantCulture), seed], TimeSpan.FromMinutes(20), ct).ConfigureAwait(false);
                var r = outcome.Report;
                if (!r.Ok)
                {
                    rc = 1;
                    Console.Error.WriteLine($"[survival] {model} {n}: {r.Error}");
                    continue;
                }

                var line = string.Create(CultureInfo.InvariantCulture,
                    $"| {n:N0} | {model} | {r.Seconds:F2} | {r.CpuSeconds:F2} | {outcome.PeakRssBytes / 1048576.0:F0} | {r.Details["slots"]} | {r.Details["events"]} | {r.Details["detail"]} |");
                lines.Add(line);
                Console.WriteLine(line);
            }
        }

        var dir = Path.Combine(repoRoot, "bench", "results");
        Directory.CreateDirectory(dir);
        var stamp = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        var text = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"# Survival fit, synthetic cohort (seed {seed}), {Environment.ProcessorCount} cores, {stamp} UTC")
            .AppendLine()
            .AppendLine("Fit time excludes generating and featurizing the cohort; peak RSS is the whole child process.")
            .AppendLine()
            .AppendJoin('\n', lines).AppendLine().ToString();
        await File.WriteAllTextAsync(Path.Combine(dir, $"survival-{stamp}.md"), text, ct).ConfigureAwait(false);
        return rc;
    }

    /// <summary>Child: <c>child survival MODEL ROWS SEED</c>.</summary>
    public static int RunChild(string[] args)
    {
        var model = args[0];
        var n = int.Parse(args[1], CultureInfo.InvariantCulture);
        var seed = ulong.Parse(args[2], CultureInfo.InvariantCulture);
        try
        {
            var data = Featurize(SurvivalCohort.Generate(new SurvivalCohortOptions { Rows = n, Seed = seed }), seed);
            var clock = EngineClock.Start();
            string detail;
            if (model == "cox")
            {
                var fit = CoxTrainer.Fit(data);
                detail = string.Create(CultureInfo.InvariantCulture, $"{fit.Iterations} Newton iterations, converged {fit.Converged}, {fit.BaselineTimes.Length} baseline knots");
            }
            else
            {
                var fit = BoostedSurvivalTrainer.Fit(data);
                var o = fit.Parameters.Options;
                detail = string.Create(CultureInfo.InvariantCulture,
                    $"{fit.Parameters.PersonPeriodRows:N0} person-period rows, {fit.Parameters.Boundaries.Length - 1} intervals, {o.NumberOfIterations} trees × {o.NumberOfLeaves} leaves, {fit.ModelBytes().Length / 1024} KB");
            }

            var (wall, cpu) = clock.Stop();
            ChildRun.Emit(new ChildReport
            {
                Engine = model, Seconds = wall, CpuSeconds = cpu,
                Details = new SortedDictionary<string, string>(StringComparer.Ordinal)
                {
                    ["slots"] = data.Width.ToString(CultureInfo.InvariantCulture),
                    ["events"] = data.EventCount.ToString(CultureInfo.InvariantCulture),
                    ["detail"] = detail,
                },
            });
            return 0;
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or OutOfMemoryException)
        {
            ChildRun.Emit(new ChildReport { Engine = model, Ok = false, Error = ex.GetType().Name });
            return 1;
        }
    }

    private static SurvivalData Featurize(SurvivalCohort cohort, ulong seed)
    {
        var numeric = new Dictionary<string, double[]>(StringComparer.Ordinal)
        {
            ["age"] = cohort.Age, ["bmi"] = cohort.Bmi, ["sbp"] = cohort.Sbp,
            ["smoker"] = [.. cohort.Smoker.Select(s => s ? 1.0 : 0.0)], ["creatinine"] = cohort.Creatinine,
        };
        var noise = new Random((int)seed);
        for (var k = 0; k < NoiseSlots; k++)
        {
            numeric["noise" + k.ToString(CultureInfo.InvariantCulture)] = [.. Enumerable.Range(0, cohort.Rows).Select(_ => noise.NextDouble())];
        }

        var table = new TrainingTable(cohort.Rows, numeric, new Dictionary<string, string?[]>(StringComparer.Ordinal) { ["sex"] = cohort.Sex, ["stage"] = cohort.Stage });
        var features = numeric.Keys.Select(k => (new FeatureSpec(k), FeatureKind.Numeric, (CuratedColumn?)null))
            .Concat([(new FeatureSpec("sex"), FeatureKind.Categorical, null), (new FeatureSpec("stage"), FeatureKind.Categorical, null)]).ToArray();
        var featurizer = Featurizer.Fit(table, features, standardize: false);
        return new SurvivalData(featurizer.Transform(table), featurizer.Width, featurizer.SlotNames, cohort.TimeDays, cohort.Event);
    }

    private static string Option(string[] args, string name, string fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }
}
