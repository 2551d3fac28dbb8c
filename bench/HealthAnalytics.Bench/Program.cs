using HealthAnalytics.Bench;
using HealthAnalytics.Bench.Ingest;
using HealthAnalytics.Bench.Serve;
using HealthAnalytics.Bench.Suites;
using HealthAnalytics.Bench.Train;

// `./dev bench [ingest|train|serve|all] [options]`, and `child ...`: the same executable re-invoked by
// the parent to run one engine in its own process (see Measurement/ChildRun.cs).
using var cts = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cts.Cancel();
};

if (args is ["child", "ingest", .. var ingestArgs])
{
    return await IngestSuite.RunChildAsync(ingestArgs, cts.Token);
}

if (args is ["child", "train", .. var trainArgs])
{
    return await TrainSuite.RunChildAsync(trainArgs, cts.Token);
}

if (args is ["child", "survival", .. var survivalArgs])
{
    return HealthAnalytics.Bench.Survival.SurvivalBench.RunChild(survivalArgs);
}

if (args is ["survival", .. var survivalOptions])
{
    // Survival trainers (docs/survival.md): its own options, outside BenchOptions.
    return await HealthAnalytics.Bench.Survival.SurvivalBench.RunAsync(survivalOptions, BenchOptions.FindRepoRoot(), cts.Token);
}

if (args is ["clinical", .. var clinicalOptions])
{
    // The clinical suite through the public path (docs/clinical-suite.md): its own options, outside BenchOptions.
    return await HealthAnalytics.Bench.Clinical.ClinicalSuite.RunAsync(clinicalOptions, BenchOptions.FindRepoRoot(), cts.Token);
}

if (args is ["effects", .. var effectsOptions])
{
    // Randomized trials through the public path (docs/treatment-effects.md): its own options, outside BenchOptions.
    return await HealthAnalytics.Bench.Effects.EffectTrialsBench.RunAsync(effectsOptions, BenchOptions.FindRepoRoot(), cts.Token);
}

if (args is ["child", "probe", "alloc", var megabytes])
{
    // Harness self-test (bench tests): holds and touches N MB so its peak RSS is known from below.
    return HealthAnalytics.Bench.Measurement.Probe.Allocate(int.Parse(megabytes, System.Globalization.CultureInfo.InvariantCulture));
}

if (args is ["-h" or "--help" or "help", ..])
{
    Console.WriteLine(BenchOptions.Usage);
    return 0;
}

BenchOptions options;
try
{
    options = BenchOptions.Parse(args, BenchOptions.FindRepoRoot());
}
catch (Exception ex) when (ex is ArgumentException or FormatException or OverflowException)
{
    Console.Error.WriteLine(ex.Message);
    Console.Error.WriteLine(BenchOptions.Usage);
    return 2;
}

IBenchSuite[] suites =
[
    new IngestSuite(),
    new TrainSuite(),
    new ServeSuite(),
];

var rc = 0;
foreach (var suite in suites.Where(s => options.Suite == "all" || options.Suite == s.Name))
{
    rc = Math.Max(rc, await suite.RunAsync(options, cts.Token));
}

return rc;
