using System.Diagnostics;
using System.Globalization;
using HealthAnalytics.Curated;
using MathNet.Numerics.Distributions;

namespace HealthAnalytics.Training.Survival;

/// <summary>
/// Trains and evaluates a survival spec (docs/survival.md, "Evaluation"): rows with an outcome only, censored ones
/// included; a seeded holdout stratified on the event indicator on large data, repeated stratified k-fold
/// cross-validation on small data (the served model then refit on every row); held-out metrics, calibration, per-group
/// metrics and Kaplan–Meier curves for the card. No metric is computed on a row the scoring model saw.
/// </summary>
internal static class SurvivalEvaluation
{
    /// <summary>Below this many rows with an outcome a <c>holdout</c> spec is cross-validated.</summary>
    public const int SmallDataRows = 5000;

    /// <summary>Below this many events a <c>holdout</c> spec is cross-validated: a 20% holdout would hold fewer than
    /// <see cref="FewEventsPerFold"/> events, and the C-index's standard error grows as 1/√events.</summary>
    public const int SmallDataEvents = 250;

    /// <summary>An evaluation fold (or holdout) with fewer events than this is flagged on the card.</summary>
    public const int FewEventsPerFold = 50;

    /// <summary>Fewer events per model parameter (feature slot) than this is flagged on the card.</summary>
    public const double FewEventsPerParameter = 10;

    /// <summary>No group metric, Kaplan–Meier curve or calibration group is computed over fewer rows (card rule).</summary>
    public const int MinGroupRows = 30;

    /// <summary>Metrics averaged over folds and compared with a champion: the promotion metrics and the per-horizon Brier scores.</summary>
    private static readonly string[] FoldMetricPrefixes = ["cIndex", "unoC", "ibs", "brier@"];

    public static TrainedModel Run(TrainingRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var clock = Stopwatch.StartNew();
        var spec = request.Spec;
        var survival = spec.Survival ?? throw new ModelSpecException("A survival spec needs its survival member.");
        var outcome = SurvivalOutcome.Read(survival, request.Schema, request.Table);
        if (outcome.EventCount == 0)
        {
            throw new InvalidDataException("No row with an outcome has the event: there is no hazard to learn.");
        }

        var table = request.Table.Select(outcome.Rows);
        var times = outcome.Times;
        var events = outcome.Events;
        var horizons = survival.Horizons;
        var v = spec.Validation;
        var crossValidate = v.Kind == "cross-validation"
            || (v.Kind == "holdout" && (table.RowCount < SmallDataRows || outcome.EventCount < SmallDataEvents));
        var reason = v.Kind switch
        {
            "cross-validation" => "the spec asks for cross-validation",
            "time-split" => "the spec asks for a time split",
            _ when crossValidate => string.Format(CultureInfo.InvariantCulture,
                "small data: fewer than {0} rows with an outcome or fewer than {1} events, so a holdout would be too small to trust", SmallDataRows, SmallDataEvents),
            _ => "large data: a seeded holdout stratified on the event",
        };

        var descriptive = Descriptive(table, times, events, request.SubgroupModel);
        if (!crossValidate)
        {
            var (trainRows, holdoutRows) = Split(table, events, v);
            var train = table.Select(trainRows);
            var holdout = table.Select(holdoutRows);
            var (tTrain, eTrain) = (Pick(times, trainRows), Pick(events, trainRows));
            var (tHoldout, eHoldout) = (Pick(times, holdoutRows), Pick(events, holdoutRows));
            var fit = SurvivalLearner.Fit(spec, request.Schema, train, tTrain, eTrain);
            var predictions = fit.Predict(holdout, horizons);
            var metrics = SurvivalMetrics.Compute(tHoldout, eHoldout, predictions, calibrationGroups: CalibrationGroups(holdout.RowCount));
            var headline = Headline(metrics);
            headline["cIndexLower95"] = metrics.Harrell.Lower95;
            headline["cIndexUpper95"] = metrics.Harrell.Upper95;
            var groups = GroupMetricsFor(holdout, tHoldout, eHoldout, predictions, request.SubgroupModel);
            var holdoutEvents = eHoldout.Count(e => e);
            var estimates = new List<SurvivalMetricEstimate>
            {
                new("cIndex", metrics.HarrellC, metrics.Harrell.StandardError, null, metrics.Harrell.Lower95, metrics.Harrell.Upper95),
                new("unoC", metrics.UnoC, metrics.Uno.StandardError, null, metrics.Uno.Lower95, metrics.Uno.Upper95),
            };
            estimates.AddRange(headline.Where(m => m.Key == "ibs" || m.Key.StartsWith("brier@", StringComparison.Ordinal) || m.Key.StartsWith("calibrationMae@", StringComparison.Ordinal))
                .Select(m => new SurvivalMetricEstimate(m.Key, m.Value, null, null, null, null)));
            var evaluation = new SurvivalEvaluationSection(
                v.Kind == "time-split" ? "time-split" : "holdout", reason, holdout.RowCount, holdoutEvents, null, null, holdoutEvents,
                EventsPerParameter(eTrain, fit), estimates, Warnings(holdoutEvents, EventsPerParameter(eTrain, fit)));
            return new TrainedModel
            {
                Bundle = fit.ToBundle(spec, request.Version, request.CodeVersion, request.Now),
                Metrics = headline,
                GroupMetrics = groups,
                Gaps = BinaryTrainer.Gaps(groups),
                Holdout = holdout,
                TrainRows = train.RowCount,
                TrainSeconds = clock.Elapsed.TotalSeconds,
                CardSections = [OutcomeSection(spec, request, outcome), evaluation,
                    new SurvivalCalibrationSection("Holdout predictions", metrics.Calibration),
                    KaplanMeier([.. descriptive, RiskGroups(tHoldout, eHoldout, predictions.Risk)], horizons, "Descriptive curves: every row with an outcome; risk groups: holdout rows by the model's predicted risk (tertiles)")],
            };
        }

        var assignments = FoldAssignments(events, v.Folds(), v.Repeats(), v.Seed);
        var foldMetrics = new List<IReadOnlyDictionary<string, double>>();
        var oofRisk = new double[table.RowCount];
        var oofSurvival = horizons.Select(_ => new double[table.RowCount]).ToArray();
        var fewest = int.MaxValue;
        for (var r = 0; r < assignments.Length; r++)
        {
            for (var f = 0; f < v.Folds(); f++)
            {
                var (trainRows, testRows) = FoldRows(assignments[r], f);
                var fit = SurvivalLearner.Fit(spec, request.Schema, table.Select(trainRows), Pick(times, trainRows), Pick(events, trainRows));
                var predictions = fit.Predict(table.Select(testRows), horizons);
                var (tTest, eTest) = (Pick(times, testRows), Pick(events, testRows));
                foldMetrics.Add(Headline(SurvivalMetrics.Compute(tTest, eTest, predictions, calibrationGroups: CalibrationGroups(testRows.Length))));
                fewest = Math.Min(fewest, eTest.Count(e => e));
                if (r == 0)
                {
                    for (var i = 0; i < testRows.Length; i++)
                    {
                        oofRisk[testRows[i]] = predictions.Risk[i];
                        for (var h = 0; h < horizons.Count; h++)
                        {
                            oofSurvival[h][testRows[i]] = predictions.Survival[h][i];
                        }
                    }
                }
            }
        }

        // Pooled out-of-fold predictions of the first repeat: each row scored once, by a model that did not see it.
        var oof = new SurvivalPredictions(oofRisk, [.. horizons], oofSurvival);
        var pooled = SurvivalMetrics.Compute(times, events, oof, calibrationGroups: CalibrationGroups(table.RowCount));
        var means = new Dictionary<string, double>(StringComparer.Ordinal);
        var cvEstimates = new List<SurvivalMetricEstimate>();
        foreach (var key in foldMetrics[0].Keys.Where(k => FoldMetricPrefixes.Any(p => k == p || (p.EndsWith('@') && k.StartsWith(p, StringComparison.Ordinal)))))
        {
            var estimate = Estimate(key, [.. foldMetrics.Select(m => m.TryGetValue(key, out var x) ? x : double.NaN)], v.Folds());
            means[key] = estimate.Value;
            cvEstimates.Add(estimate);
        }

        if (cvEstimates.FirstOrDefault(e => e.Metric == "cIndex") is { Lower95: { } lo, Upper95: { } hi })
        {
            means["cIndexLower95"] = lo;
            means["cIndexUpper95"] = hi;
        }

        foreach (var c in pooled.Calibration)
        {
            var key = FormattableString.Invariant($"calibrationMae@{c.Horizon:0.###}");
            means[key] = c.MeanAbsoluteError;
            cvEstimates.Add(new SurvivalMetricEstimate(key + " (pooled out-of-fold)", c.MeanAbsoluteError, null, null, null, null));
        }

        var cvGroups = GroupMetricsFor(table, times, events, oof, request.SubgroupModel);

        // The served model: refit on every row with an outcome, same seed, rows in table order (deterministic).
        var final = SurvivalLearner.Fit(spec, request.Schema, table, times, events);
        var epp = EventsPerParameter(events, final);
        var notes = Warnings(fewest, epp);
        var undefined = cvEstimates.Where(e => foldMetrics.Any(m => m.TryGetValue(e.Metric, out var x) && !double.IsFinite(x))).Select(e => e.Metric).ToList();
        if (undefined.Count > 0)
        {
            notes.Add($"{string.Join(", ", undefined)} undefined on some folds (no row followed to a horizon); the mean is over the others.");
        }

        var trained = new TrainedModel
        {
            Bundle = final.ToBundle(spec, request.Version, request.CodeVersion, request.Now),
            Metrics = means,
            GroupMetrics = cvGroups,
            Gaps = BinaryTrainer.Gaps(cvGroups),
            Holdout = table.Select([]),
            TrainRows = table.RowCount,
            TrainSeconds = clock.Elapsed.TotalSeconds,
            CardSections = [OutcomeSection(spec, request, outcome),
                new SurvivalEvaluationSection("cross-validation", reason, table.RowCount, outcome.EventCount, v.Folds(), v.Repeats(), fewest, epp, cvEstimates, notes),
                new SurvivalCalibrationSection("Out-of-fold predictions of the first cross-validation repeat", pooled.Calibration),
                KaplanMeier([.. descriptive, RiskGroups(times, events, oofRisk)], horizons, "Descriptive curves: every row with an outcome; risk groups: every row by its out-of-fold predicted risk (first repeat, tertiles)")],
        };
        CrossValidations.AddOrUpdate(trained, new SurvivalCrossValidation(table, times, events, assignments, v.Folds(), foldMetrics));
        return trained;
    }

    /// <summary>The folds of a cross-validated candidate, for scoring the champion on them (<see cref="ChampionOnSameFolds"/>).</summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<TrainedModel, SurvivalCrossValidation> CrossValidations = [];

    public static SurvivalCrossValidation? CrossValidationOf(TrainedModel candidate) =>
        CrossValidations.TryGetValue(candidate, out var run) ? run : null;

    /// <summary>
    /// The champion's promotion metric on the candidate's evaluation. Holdout: the champion's model scores the same
    /// holdout rows at the candidate's horizons. Cross-validation: the champion's configuration (its features and trainer
    /// settings, read from its bundle) is re-run on the candidate's folds of the same rows, since its fitted model saw
    /// some of them; per-fold values for a paired comparison. Null when the champion is not a survival model or cannot
    /// be evaluated so.
    /// </summary>
    public static ChampionScore? ScoreChampion(ModelBundle champion, TrainingRequest request, TrainedModel candidate)
    {
        ArgumentNullException.ThrowIfNull(champion);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(candidate);
        if (champion.Manifest.Task != ModelTask.Survival || request.Spec.Survival is not { } survival)
        {
            return null;
        }

        var metric = request.Spec.Promotion.Metric;
        var model = FittedSurvivalModel.FromBundle(champion);
        if (CrossValidationOf(candidate) is { } run)
        {
            if (model.Featurizer.Features.Any(f => !run.Table.Numeric.ContainsKey(f.Name) && !run.Table.Categorical.ContainsKey(f.Name)))
            {
                return null;
            }

            var championSpec = request.Spec with
            {
                Features = [.. model.Featurizer.Features.Select(f => new FeatureSpec(f.Name, f.Kind, f.Kind == FeatureKind.Categorical ? Math.Max(1, f.Categories.Count) : null))],
                Trainer = TrainerOf(model),
            };
            var perFold = new List<double>();
            foreach (var assignment in run.Assignments)
            {
                for (var f = 0; f < run.Folds; f++)
                {
                    var (trainRows, testRows) = FoldRows(assignment, f);
                    var fit = SurvivalLearner.Fit(championSpec, request.Schema, run.Table.Select(trainRows), Pick(run.Times, trainRows), Pick(run.Events, trainRows));
                    var predictions = fit.Predict(run.Table.Select(testRows), survival.Horizons);
                    var metrics = Headline(SurvivalMetrics.Compute(Pick(run.Times, testRows), Pick(run.Events, testRows), predictions, calibrationGroups: CalibrationGroups(testRows.Length)));
                    perFold.Add(metrics.TryGetValue(metric, out var x) ? x : double.NaN);
                }
            }

            var finite = perFold.Where(double.IsFinite).ToArray();
            return new ChampionScore(finite.Length == 0 ? double.NaN : finite.Average(), perFold);
        }

        if (candidate.Holdout.RowCount == 0)
        {
            return null;
        }

        var outcome = SurvivalOutcome.Read(survival, request.Schema, candidate.Holdout);
        var holdout = candidate.Holdout.Select(outcome.Rows);
        var scored = Headline(SurvivalMetrics.Compute(outcome.Times, outcome.Events, model.Predict(holdout, survival.Horizons), calibrationGroups: CalibrationGroups(holdout.RowCount)));
        return new ChampionScore(scored.TryGetValue(metric, out var m) ? m : double.NaN);
    }

    /// <summary>The trainer settings a fitted model was trained with, as a spec's trainer member.</summary>
    private static TrainerSpec TrainerOf(FittedSurvivalModel model) => model.Parameters switch
    {
        { Cox: { } cox } => new TrainerSpec { Name = SurvivalLearner.Cox, Ties = cox.Ties == CoxTies.Breslow ? "breslow" : "efron", L2Regularization = cox.L2Penalty },
        { Boosted: { Options: var o } } => new TrainerSpec
        {
            Name = SurvivalLearner.Boosted, Intervals = o.Intervals, NumberOfIterations = o.NumberOfIterations, NumberOfLeaves = o.NumberOfLeaves,
            LearningRate = o.LearningRate, MinimumExampleCountPerLeaf = o.MinimumExampleCountPerLeaf,
        },
        _ => new TrainerSpec { Name = model.Trainer },
    };

    /// <summary>Calibration groups: deciles, or fewer equal groups so that each holds at least <see cref="MinGroupRows"/> rows.</summary>
    public static int CalibrationGroups(int rows) => Math.Clamp(rows / MinGroupRows, 1, 10);

    /// <summary>The metrics of one evaluation as the registry stores them: C-indices, IBS, Brier and calibration per horizon.</summary>
    public static Dictionary<string, double> Headline(SurvivalMetrics metrics)
    {
        var all = metrics.ToDictionary();
        var headline = all.Where(m => m.Key is not ("cIndexStdErr" or "unoCStdErr")).ToDictionary(m => m.Key, m => m.Value, StringComparer.Ordinal);
        headline.TryAdd("ibs", double.NaN); // undefined when a horizon is beyond the follow-up of the evaluated rows
        headline["cIndexStdErr"] = metrics.Harrell.StandardError;
        return headline;
    }

    /// <summary>Seeded split stratified on the event indicator (the same rule as the other tasks' holdout), or the
    /// spec's time split.</summary>
    private static (int[] Train, int[] Holdout) Split(TrainingTable table, bool[] events, ValidationSpec validation)
    {
        const string Stratum = "~event"; // '~' cannot occur in a column name: no clash with a curated column
        var numeric = table.Numeric.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        numeric[Stratum] = [.. events.Select(e => e ? 1.0 : 0.0)];
        return Splitter.Split(new TrainingTable(table.RowCount, numeric, table.Categorical), validation, Stratum);
    }

    /// <summary>Per repeat, the fold (0..k-1) of every row: censored rows then events, each shuffled (seeded), dealt in turn,
    /// so every fold holds its share of events.</summary>
    internal static int[][] FoldAssignments(bool[] events, int folds, int repeats, int seed)
    {
        var result = new int[repeats][];
        int[][] strata = [[.. Enumerable.Range(0, events.Length).Where(i => !events[i])], [.. Enumerable.Range(0, events.Length).Where(i => events[i])]];
        for (var r = 0; r < repeats; r++)
        {
            var random = new Random(unchecked((seed * 7919) + r));
            var assignment = new int[events.Length];
            var position = 0;
            foreach (var stratum in strata)
            {
                var rows = (int[])stratum.Clone();
                random.Shuffle(rows);
                foreach (var row in rows)
                {
                    assignment[row] = position++ % folds;
                }
            }

            result[r] = assignment;
        }

        return result;
    }

    internal static (int[] Train, int[] Test) FoldRows(int[] assignment, int fold) =>
        ([.. Enumerable.Range(0, assignment.Length).Where(i => assignment[i] != fold)], [.. Enumerable.Range(0, assignment.Length).Where(i => assignment[i] == fold)]);

    /// <summary>
    /// Mean and SD over the J = k·r fold values, and the corrected repeated k-fold 95% interval
    /// mean ± t(J−1, 0.975)·√((1/J + 1/(k−1))·S²): the 1/(k−1) term accounts for the overlap of training sets between
    /// folds, which a plain t interval ignores. Undefined fold values are left out.
    /// </summary>
    internal static SurvivalMetricEstimate Estimate(string metric, double[] values, int folds)
    {
        var finite = values.Where(double.IsFinite).ToArray();
        if (finite.Length == 0)
        {
            return new SurvivalMetricEstimate(metric, double.NaN, null, null, null, null);
        }

        var mean = finite.Average();
        if (finite.Length < 2)
        {
            return new SurvivalMetricEstimate(metric, mean, null, null, null, null);
        }

        var variance = finite.Sum(x => (x - mean) * (x - mean)) / (finite.Length - 1);
        var se = Math.Sqrt(((1.0 / finite.Length) + (1.0 / (folds - 1))) * variance);
        var t = StudentT.InvCDF(0, 1, finite.Length - 1, 0.975);
        return new SurvivalMetricEstimate(metric, mean, null, Math.Sqrt(variance), mean - (t * se), mean + (t * se));
    }

    private static double EventsPerParameter(bool[] trainEvents, FittedSurvivalModel fit) =>
        (double)trainEvents.Count(e => e) / Math.Max(1, fit.Featurizer.Width);

    private static List<string> Warnings(int fewestEvents, double eventsPerParameter)
    {
        var notes = new List<string>();
        if (fewestEvents < FewEventsPerFold)
        {
            notes.Add(string.Format(CultureInfo.InvariantCulture,
                "Few events: an evaluation fold (or the holdout) holds {0} events (fewer than {1}); the C-index and Brier scores are imprecise, read their intervals.", fewestEvents, FewEventsPerFold));
        }

        if (eventsPerParameter < FewEventsPerParameter)
        {
            notes.Add(string.Format(CultureInfo.InvariantCulture,
                "{0:0.#} events per model parameter (fewer than {1}): the model may be overfitted; consider fewer features.", eventsPerParameter, FewEventsPerParameter));
        }

        return notes;
    }

    private static SurvivalOutcomeSection OutcomeSection(ModelSpec spec, TrainingRequest request, SurvivalOutcome outcome)
    {
        var survival = spec.Survival!;
        var followUp = outcome.Rows.Length == 0 ? null : Survival.KaplanMeier.Censoring(outcome.Times, outcome.Events).Median();
        return new SurvivalOutcomeSection(
            survival.Time, SurvivalLearner.TimeUnit(spec, request.Schema), survival.Event.Column,
            survival.Event.Values is { Count: > 0 } values ? [.. values.Select(x => x.GetRawText())] : ["true"],
            survival.Horizons, request.Table.RowCount, outcome.Rows.Length, outcome.MissingTime, outcome.MissingEvent, outcome.NonPositiveTime,
            outcome.EventCount, outcome.Rows.Length - outcome.EventCount, followUp);
    }

    /// <summary>The descriptive groupings of every row with an outcome: all rows, sex, age band, patient subgroup.</summary>
    private static List<Grouping> Descriptive(TrainingTable table, double[] times, bool[] events, ModelBundle? subgroupModel)
    {
        var groupings = new List<Grouping> { new("all", times, events, Enumerable.Repeat<string?>("all", times.Length).ToArray()) };
        groupings.AddRange(Dimensions(table, subgroupModel).Select(d => new Grouping(d.Dimension, times, events, d.Groups)));
        return groupings;
    }

    /// <summary>Group of each row per dimension (null = no group): sex, age band (docs/models.md) and the dataset's
    /// patient subgroup when it has a clustering champion.</summary>
    private static List<(string Dimension, string?[] Groups)> Dimensions(TrainingTable table, ModelBundle? subgroupModel)
    {
        var dimensions = new List<(string Dimension, string?[] Groups)>();
        if (table.Categorical.TryGetValue("sex", out var sex))
        {
            dimensions.Add(("sex", sex));
        }

        if (table.Numeric.TryGetValue("age", out var age))
        {
            dimensions.Add(("ageBand", [.. age.Select(a => double.IsFinite(a) ? BinaryTrainer.AgeBands.First(b => (a >= b.Min && a < b.Max) || b.Max == double.PositiveInfinity).Name : null)]));
        }

        if (subgroupModel is not null && table.RowCount > 0)
        {
            dimensions.Add(("subgroup", [.. ModelScorer.Subgroups(subgroupModel, table).Select(s => (s + 1).ToString(CultureInfo.InvariantCulture))]));
        }

        return dimensions;
    }

    /// <summary>Harrell's C, Uno's C and the IBS per group of at least <see cref="MinGroupRows"/> evaluated rows.</summary>
    private static List<GroupMetrics> GroupMetricsFor(TrainingTable rows, double[] times, bool[] events, SurvivalPredictions predictions, ModelBundle? subgroupModel)
    {
        var result = new List<GroupMetrics>();
        foreach (var (dimension, groups) in Dimensions(rows, subgroupModel))
        {
            foreach (var group in groups.Where(g => g is not null).Distinct().Order(StringComparer.Ordinal))
            {
                var members = Enumerable.Range(0, groups.Length).Where(i => groups[i] == group).ToArray();
                if (members.Length < MinGroupRows)
                {
                    continue; // too few rows for a stable metric, and a small group is a re-identification risk in a card
                }

                var subset = new SurvivalPredictions(Pick(predictions.Risk, members), predictions.Horizons, [.. predictions.Survival.Select(s => Pick(s, members))]);
                var m = SurvivalMetrics.Compute(Pick(times, members), Pick(events, members), subset, calibrationGroups: 1);
                result.Add(new GroupMetrics(dimension, group!, new Dictionary<string, double>(StringComparer.Ordinal)
                {
                    ["cIndex"] = m.HarrellC,
                    ["unoC"] = m.UnoC,
                    ["ibs"] = m.IntegratedBrier ?? double.NaN,
                }, members.Length));
            }
        }

        return result;
    }

    private static readonly string[] RiskTertiles = ["low", "medium", "high"];
    private static readonly string[] RiskHalves = ["low", "high"];

    /// <summary>Risk tertiles (or halves) of evaluated rows by predicted risk, each of at least <see cref="MinGroupRows"/> rows.</summary>
    private static Grouping RiskGroups(double[] times, bool[] events, double[] risk)
    {
        var n = risk.Length;
        var k = n >= 3 * MinGroupRows ? 3 : n >= 2 * MinGroupRows ? 2 : 0;
        var names = k == 3 ? RiskTertiles : RiskHalves;
        var groups = new string?[n];
        var order = Enumerable.Range(0, n).OrderBy(i => risk[i]).ThenBy(i => i).ToArray();
        for (var g = 0; g < k; g++)
        {
            for (var p = (int)((long)g * n / k); p < (int)((long)(g + 1) * n / k); p++)
            {
                groups[order[p]] = names[g];
            }
        }

        return new Grouping("riskGroup", times, events, groups, names);
    }

    /// <summary>0, the horizons and ten even steps up to the last horizon: where the curves are read.</summary>
    internal static double[] Grid(IReadOnlyList<double> horizons)
    {
        var last = horizons.Count > 0 ? horizons.Max() : 0;
        var times = new SortedSet<double> { 0 };
        foreach (var h in horizons)
        {
            times.Add(h);
        }

        for (var k = 1; k <= 10 && last > 0; k++)
        {
            times.Add(Math.Round(last * k / 10, 6));
        }

        return [.. times];
    }

    private static KaplanMeierSection KaplanMeier(IEnumerable<Grouping> groupings, IReadOnlyList<double> horizons, string rows)
    {
        var grid = Grid(horizons);
        var curves = new List<KaplanMeierGroupCurve>();
        var tests = new List<LogRankSummary>();
        foreach (var g in groupings)
        {
            var names = g.Groups.Where(x => x is not null).Select(x => x!).Distinct().ToList();
            names = g.Order is { } order ? [.. order.Where(names.Contains)] : [.. names.Order(StringComparer.Ordinal)];
            var members = names.Select(name => (Name: name, Rows: Enumerable.Range(0, g.Groups.Length).Where(i => g.Groups[i] == name).ToArray()))
                .Where(m => m.Rows.Length >= MinGroupRows).ToList();
            foreach (var (name, rowsOf) in members)
            {
                var km = Survival.KaplanMeier.Fit(Pick(g.Times, rowsOf), Pick(g.Events, rowsOf));
                curves.Add(new KaplanMeierGroupCurve(g.Dimension, name, rowsOf.Length, rowsOf.Count(i => g.Events[i]), km.Median(), [.. grid.Select(km.At)]));
            }

            if (members.Count >= 2)
            {
                var all = members.SelectMany(m => m.Rows).Order().ToArray();
                var test = LogRankTest.Compute(Pick(g.Times, all), Pick(g.Events, all), Pick(g.Groups, all)!);
                tests.Add(new LogRankSummary(g.Dimension, test.ChiSquare, test.DegreesOfFreedom, test.PValue, test.Groups));
            }
        }

        return new KaplanMeierSection(rows, grid, curves, tests);
    }

    /// <summary>Rows grouped along one dimension (null = in no group); <paramref name="Order"/> orders the groups when
    /// their names do not sort (risk groups).</summary>
    private sealed record Grouping(string Dimension, double[] Times, bool[] Events, string?[] Groups, IReadOnlyList<string>? Order = null);

    /// <summary>Folds per repeat and repeats of cross-validation (docs/survival.md, "Evaluation").</summary>
    internal static int Folds(this ValidationSpec validation) => 5;

    internal static int Repeats(this ValidationSpec validation) => 3;

    internal static T[] Pick<T>(T[] source, IReadOnlyList<int> rows)
    {
        var result = new T[rows.Count];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = source[rows[i]];
        }

        return result;
    }
}

/// <summary>A cross-validated candidate's rows (with an outcome), outcome, fold assignments and per-fold metrics.</summary>
internal sealed record SurvivalCrossValidation(TrainingTable Table, double[] Times, bool[] Events, int[][] Assignments, int Folds, IReadOnlyList<IReadOnlyDictionary<string, double>> FoldMetrics);
