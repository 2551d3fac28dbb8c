using System.Diagnostics;
using System.Globalization;
using HealthAnalytics.Curated;

namespace HealthAnalytics.Training.Survival;

/// <summary>
/// Trains and evaluates a survival spec (docs/survival.md, "Evaluation"): rows with an outcome only, censored ones
/// included; a seeded holdout stratified on the event indicator on large data, repeated stratified k-fold
/// cross-validation on small data (the served model then refit on every row) with the folds, interval and thresholds of
/// the other supervised tasks (<see cref="SupervisedEvaluation"/>); held-out metrics, calibration, per-group metrics and
/// Kaplan–Meier curves for the card. No metric is computed on a row the scoring model saw.
/// </summary>
internal static class SurvivalEvaluation
{
    /// <summary>No group metric, Kaplan–Meier curve or calibration group is computed over fewer rows (card rule).</summary>
    public const int MinGroupRows = 30;

    /// <summary>
    /// Small data and few events are decided as for the other supervised tasks (fewer than
    /// <see cref="SupervisedEvaluation.SmallDataRows"/> rows with an outcome or <see cref="SupervisedEvaluation.SmallDataEvents"/>
    /// events → cross-validation; docs/models.md, "Evaluation"), with events in the place of the minority class.
    /// </summary>
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
        int[] strata = [.. events.Select(e => e ? 1 : 0)];
        var horizons = survival.Horizons;
        var v = spec.Validation;
        var crossValidate = v.Kind == "cross-validation"
            || (v.Kind == "holdout" && (table.RowCount < SupervisedEvaluation.SmallDataRows || outcome.EventCount < SupervisedEvaluation.SmallDataEvents));
        var reason = v.Kind switch
        {
            "cross-validation" => "the spec asks for cross-validation",
            "time-split" => "the spec asks for a time split",
            _ when crossValidate => string.Format(CultureInfo.InvariantCulture,
                "small data: fewer than {0} rows with an outcome or fewer than {1} events, so a holdout would be too small to trust",
                SupervisedEvaluation.SmallDataRows, SupervisedEvaluation.SmallDataEvents),
            _ => "large data: a seeded holdout stratified on the event",
        };

        var descriptive = Descriptive(table, times, events, request.SubgroupModel);
        if (!crossValidate)
        {
            var (trainRows, holdoutRows) = Splitter.SplitByStrata(table, v, strata);
            var train = table.Select(trainRows);
            var holdout = table.Select(holdoutRows);
            var (tHoldout, eHoldout) = (Pick(times, holdoutRows), Pick(events, holdoutRows));
            var fit = SurvivalLearner.Fit(spec, request.Schema, train, Pick(times, trainRows), Pick(events, trainRows));
            var scored = Score(fit, holdout, horizons);
            var (metrics, headline) = Evaluate(tHoldout, eHoldout, scored, CalibrationGroups(holdout.RowCount));
            headline["cIndexStdErr"] = metrics.Harrell.StandardError;
            headline["cIndexLower95"] = metrics.Harrell.Lower95;
            headline["cIndexUpper95"] = metrics.Harrell.Upper95;
            var groups = SupervisedEvaluation.GroupMetricsFor(holdout, request.SubgroupModel, rows => GroupMetrics(rows, tHoldout, eHoldout, scored));

            // The C-indices carry their own (infinitesimal-jackknife) interval; the other holdout metrics have none.
            var estimates = headline.Where(m => m.Key is not ("cIndexStdErr" or "cIndexLower95" or "cIndexUpper95"))
                .ToDictionary(m => m.Key, m => new MetricEstimate(m.Value), StringComparer.Ordinal);
            estimates["cIndex"] = new MetricEstimate(metrics.HarrellC, null, metrics.Harrell.Lower95, metrics.Harrell.Upper95);
            estimates["unoC"] = new MetricEstimate(metrics.UnoC, null, metrics.Uno.Lower95, metrics.Uno.Upper95);
            var holdoutEvents = eHoldout.Count(e => e);
            return new TrainedModel
            {
                Bundle = fit.ToBundle(spec, request.Version, request.CodeVersion, request.Now),
                Metrics = headline,
                GroupMetrics = groups,
                Gaps = SupervisedEvaluation.Gaps(groups),
                Holdout = holdout,
                TrainRows = train.RowCount,
                TrainSeconds = clock.Elapsed.TotalSeconds,
                RowsWithoutOutcome = outcome.Dropped,
                Evaluation = Summary(v.Kind == "time-split" ? "time-split" : "holdout", holdout.RowCount, null, null, holdoutEvents, holdoutEvents,
                    EventsPerParameter(Pick(events, trainRows), fit), estimates, reason, []),
                CardSections = [OutcomeSection(spec, request, outcome),
                    new SurvivalCalibrationSection("Holdout predictions", metrics.Calibration),
                    KaplanMeier([.. descriptive, RiskGroups(tHoldout, eHoldout, scored.OnGrid.Risk)], horizons,
                        "Descriptive curves: every row with an outcome; risk groups: holdout rows by the model's predicted risk (tertiles)")],
            };
        }

        var assignments = SupervisedEvaluation.FoldAssignments(strata, v.Folds, v.Repeats, v.Seed);
        var foldMetrics = new List<IReadOnlyDictionary<string, double>>();
        var grid = IbsGrid(horizons);
        var oofRisk = new double[table.RowCount];
        var oofSurvival = grid.Select(_ => new double[table.RowCount]).ToArray();
        var fewest = long.MaxValue;
        for (var r = 0; r < assignments.Length; r++)
        {
            for (var f = 0; f < v.Folds; f++)
            {
                var (trainRows, testRows) = FoldRows(assignments[r], f);
                var fit = SurvivalLearner.Fit(spec, request.Schema, table.Select(trainRows), Pick(times, trainRows), Pick(events, trainRows));
                var scored = Score(fit, table.Select(testRows), horizons);
                var (tTest, eTest) = (Pick(times, testRows), Pick(events, testRows));
                foldMetrics.Add(FoldMetrics(Evaluate(tTest, eTest, scored, 1).Headline));
                fewest = Math.Min(fewest, eTest.Count(e => e));
                if (r == 0)
                {
                    for (var i = 0; i < testRows.Length; i++)
                    {
                        oofRisk[testRows[i]] = scored.OnGrid.Risk[i];
                        for (var k = 0; k < grid.Length; k++)
                        {
                            oofSurvival[k][testRows[i]] = scored.OnGrid.Survival[k][i];
                        }
                    }
                }
            }
        }

        // Pooled out-of-fold predictions of the first repeat: each row scored once, by a model that did not see it.
        var oofGrid = new SurvivalPredictions(oofRisk, grid, oofSurvival);
        var oof = new Scored(Slice(oofGrid, horizons), oofGrid);
        var pooled = Evaluate(times, events, oof, CalibrationGroups(table.RowCount)).Metrics;
        var means = new SortedDictionary<string, double>(StringComparer.Ordinal);
        var cvEstimates = new SortedDictionary<string, MetricEstimate>(StringComparer.Ordinal);
        foreach (var key in foldMetrics[0].Keys)
        {
            var estimate = SupervisedEvaluation.Estimate([.. foldMetrics.Select(m => m.TryGetValue(key, out var x) ? x : double.NaN)], v.Folds);
            means[key] = estimate.Mean;
            cvEstimates[key] = estimate;
        }

        if (cvEstimates["cIndex"] is { Low: { } lo, High: { } hi })
        {
            means["cIndexLower95"] = lo;
            means["cIndexUpper95"] = hi;
        }

        // Calibration needs groups of at least 30 rows, which a fold rarely has several of: it is read from the pooled
        // out-of-fold predictions.
        foreach (var c in pooled.Calibration)
        {
            var key = FormattableString.Invariant($"calibrationMae@{c.Horizon:0.###}");
            means[key] = c.MeanAbsoluteError;
            cvEstimates[key] = new MetricEstimate(c.MeanAbsoluteError);
        }

        var cvGroups = SupervisedEvaluation.GroupMetricsFor(table, request.SubgroupModel, rows => GroupMetrics(rows, times, events, oof));

        // The served model: refit on every row with an outcome, same seed, rows in table order (deterministic).
        var final = SurvivalLearner.Fit(spec, request.Schema, table, times, events);
        var undefined = foldMetrics[0].Keys.Where(k => foldMetrics.Any(m => !double.IsFinite(m[k]))).ToList();
        List<string> notes = undefined.Count == 0 ? [] :
            [$"{string.Join(", ", undefined)} undefined on some folds (no row of the fold followed to a horizon); the mean is over the others."];
        return new TrainedModel
        {
            Bundle = final.ToBundle(spec, request.Version, request.CodeVersion, request.Now),
            Metrics = means,
            GroupMetrics = cvGroups,
            Gaps = SupervisedEvaluation.Gaps(cvGroups),
            Holdout = table.Select([]),
            TrainRows = table.RowCount,
            TrainSeconds = clock.Elapsed.TotalSeconds,
            RowsWithoutOutcome = outcome.Dropped,
            Evaluation = Summary("cross-validation", table.RowCount, v.Folds, v.Repeats, outcome.EventCount, fewest, EventsPerParameter(events, final), cvEstimates, reason, notes),

            // The outcome of the run is the time; the event indicator is read again from the table's event column.
            CrossValidation = new CrossValidationRun(table, times, assignments, v.Folds, foldMetrics),
            CardSections = [OutcomeSection(spec, request, outcome),
                new SurvivalCalibrationSection("Out-of-fold predictions of the first cross-validation repeat", pooled.Calibration),
                KaplanMeier([.. descriptive, RiskGroups(times, events, oofRisk)], horizons,
                    "Descriptive curves: every row with an outcome; risk groups: every row by its out-of-fold predicted risk (first repeat, tertiles)")],
        };
    }

    /// <summary>
    /// The champion's promotion metric on the candidate's evaluation. Holdout: the champion's model scores the same
    /// holdout rows at the candidate's horizons. Cross-validation: the champion's stored spec is re-run on the candidate's
    /// folds of the same rows (its fitted model saw some of them), with the candidate's outcome and horizons, giving
    /// per-fold values for a paired comparison; when its spec is the candidate's, the values are the candidate's own
    /// (training is deterministic). Null when the champion is not a survival model or cannot be evaluated so.
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
        if (candidate.CrossValidation is { } run)
        {
            var stored = champion.Manifest.StoredSpec();
            if (stored is null || stored.Task != ModelTask.Survival)
            {
                return null;
            }

            double[] perFold;
            if (stored.Hash == request.Spec.Hash)
            {
                perFold = [.. run.FoldMetrics.Select(m => m.TryGetValue(metric, out var x) ? x : double.NaN)];
            }
            else
            {
                if (stored.Features.Any(f => request.Schema.Find(f.Name) is null || (!run.Table.Numeric.ContainsKey(f.Name) && !run.Table.Categorical.ContainsKey(f.Name))))
                {
                    return null; // a feature of the champion is no longer read
                }

                var events = SurvivalOutcome.Read(survival, request.Schema, run.Table).Events;
                var championSpec = stored with { Survival = survival, Validation = request.Spec.Validation };
                var values = new List<double>();
                foreach (var assignment in run.Assignments)
                {
                    for (var f = 0; f < run.Folds; f++)
                    {
                        var (trainRows, testRows) = FoldRows(assignment, f);
                        var fit = SurvivalLearner.Fit(championSpec, request.Schema, run.Table.Select(trainRows), Pick(run.Outcome, trainRows), Pick(events, trainRows));
                        var scored = Score(fit, run.Table.Select(testRows), survival.Horizons);
                        var metrics = Evaluate(Pick(run.Outcome, testRows), Pick(events, testRows), scored, 1).Headline;
                        values.Add(metrics.TryGetValue(metric, out var x) ? x : double.NaN);
                    }
                }

                perFold = [.. values];
            }

            var finite = perFold.Where(double.IsFinite).ToArray();
            return new ChampionScore(finite.Length == 0 ? double.NaN : finite.Average(), perFold);
        }

        if (candidate.Holdout.RowCount == 0)
        {
            return null;
        }

        var model = FittedSurvivalModel.FromBundle(champion);
        if (model.Featurizer.Features.Any(f => !candidate.Holdout.Numeric.ContainsKey(f.Name) && !candidate.Holdout.Categorical.ContainsKey(f.Name)))
        {
            return null;
        }

        var outcome = SurvivalOutcome.Read(survival, request.Schema, candidate.Holdout);
        var holdout = candidate.Holdout.Select(outcome.Rows);
        var championMetrics = Evaluate(outcome.Times, outcome.Events, Score(model, holdout, survival.Horizons), CalibrationGroups(holdout.RowCount)).Headline;
        return new ChampionScore(championMetrics.TryGetValue(metric, out var m) ? m : double.NaN);
    }

    /// <summary>Calibration groups: deciles, or fewer equal groups so that each holds at least <see cref="MinGroupRows"/> rows.</summary>
    public static int CalibrationGroups(int rows) => Math.Clamp(rows / MinGroupRows, 1, 10);

    /// <summary>The metrics of one evaluation as the registry stores them: Harrell's and Uno's C, Brier and calibration
    /// error per horizon (the IBS is set by <see cref="Evaluate"/>).</summary>
    private static Dictionary<string, double> Headline(SurvivalMetrics metrics) =>
        metrics.ToDictionary().Where(m => m.Key is not ("cIndexStdErr" or "unoCStdErr" or "ibs")).ToDictionary(m => m.Key, m => m.Value, StringComparer.Ordinal);

    /// <summary>One fold's metrics: the headline without calibration (a fold is too small for groups of 30; calibration is
    /// read from pooled out-of-fold predictions instead).</summary>
    private static Dictionary<string, double> FoldMetrics(Dictionary<string, double> headline) =>
        headline.Where(m => !m.Key.StartsWith("calibrationMae@", StringComparison.Ordinal)).ToDictionary(m => m.Key, m => m.Value, StringComparer.Ordinal);

    /// <summary>Harrell's C, Uno's C and the IBS of a group of evaluated rows (the group helper keeps groups of ≥ 30 rows).</summary>
    private static Dictionary<string, double> GroupMetrics(int[] members, double[] times, bool[] events, Scored scored)
    {
        var subset = new Scored(Subset(scored.AtHorizons, members), Subset(scored.OnGrid, members));
        var (m, headline) = Evaluate(Pick(times, members), Pick(events, members), subset, 1);
        return new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["cIndex"] = m.HarrellC,
            ["unoC"] = m.UnoC,
            ["ibs"] = headline["ibs"],
        };
    }

    /// <summary>The times the integrated Brier score is computed at: 100 even steps up to the last horizon, and the horizons.</summary>
    internal static double[] IbsGrid(IReadOnlyList<double> horizons)
    {
        var tau = horizons.Max();
        var grid = new SortedSet<double>(horizons);
        for (var k = 1; k <= 100; k++)
        {
            grid.Add(tau * k / 100);
        }

        return [.. grid];
    }

    /// <summary>Predictions of evaluated rows at the horizons and on the <see cref="IbsGrid"/> (one pass of the model).</summary>
    internal sealed record Scored(SurvivalPredictions AtHorizons, SurvivalPredictions OnGrid);

    internal static Scored Score(FittedSurvivalModel fit, TrainingTable rows, IReadOnlyList<double> horizons)
    {
        var onGrid = fit.Predict(rows, IbsGrid(horizons));
        return new Scored(Slice(onGrid, horizons), onGrid);
    }

    /// <summary>
    /// Every metric of scored rows: Harrell's and Uno's C (τ = the last horizon), Brier score and calibration at each
    /// horizon, and the integrated Brier score (1/τ)·∫₀^τ BS(u) du over the grid (the reference's definition,
    /// bench/reference/README.md; NaN when not estimable).
    /// </summary>
    internal static (SurvivalMetrics Metrics, Dictionary<string, double> Headline) Evaluate(double[] times, bool[] events, Scored scored, int calibrationGroups)
    {
        var metrics = SurvivalMetrics.Compute(times, events, scored.AtHorizons, calibrationGroups: calibrationGroups);
        var headline = Headline(metrics);
        headline["ibs"] = BrierScore.IntegratedFromZero(scored.OnGrid.Horizons, times, events, scored.OnGrid.Survival, Survival.KaplanMeier.Censoring(times, events)) ?? double.NaN;
        return (metrics, headline);
    }

    private static SurvivalPredictions Slice(SurvivalPredictions all, IReadOnlyList<double> horizons) =>
        new(all.Risk, [.. horizons], [.. horizons.Select(h => all.Survival[Array.IndexOf(all.Horizons, h)])]);

    private static SurvivalPredictions Subset(SurvivalPredictions all, int[] rows) =>
        new(Pick(all.Risk, rows), all.Horizons, [.. all.Survival.Select(s => Pick(s, rows))]);

    private static EvaluationSummary Summary(
        string kind, int rows, int? folds, int? repeats, long events, long fewestPerFold, double eventsPerParameter,
        IReadOnlyDictionary<string, MetricEstimate> metrics, string reason, IReadOnlyList<string> notes)
    {
        var warnings = new List<string>(notes);
        if (fewestPerFold < SupervisedEvaluation.FewEventsPerFold)
        {
            warnings.Add(string.Format(CultureInfo.InvariantCulture,
                "Estimates rest on few events: as few as {0} in one evaluation {1} (fewer than {2}); the interval is wide for a reason.",
                fewestPerFold, kind == "cross-validation" ? "fold" : "set", SupervisedEvaluation.FewEventsPerFold));
        }

        if (eventsPerParameter < SupervisedEvaluation.FewEventsPerParameter)
        {
            warnings.Add(string.Format(CultureInfo.InvariantCulture,
                "{0:0.#} events per model parameter (feature slot), fewer than {1}: the model may overfit; prefer fewer features.",
                eventsPerParameter, SupervisedEvaluation.FewEventsPerParameter));
        }

        return new EvaluationSummary(kind, rows, folds, repeats, events, fewestPerFold, Math.Round(eventsPerParameter, 2), metrics, warnings, reason);
    }

    /// <summary>Events of the training rows per feature slot (the model's parameters).</summary>
    private static double EventsPerParameter(bool[] trainEvents, FittedSurvivalModel fit) =>
        (double)trainEvents.Count(e => e) / Math.Max(1, fit.Featurizer.Width);

    internal static (int[] Train, int[] Test) FoldRows(int[] assignment, int fold) =>
        ([.. Enumerable.Range(0, assignment.Length).Where(i => assignment[i] != fold)], SupervisedEvaluation.RowsOf(assignment, fold));

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
            dimensions.Add(("ageBand", [.. age.Select(a => double.IsFinite(a) ? SupervisedEvaluation.AgeBands.First(b => (a >= b.Min && a < b.Max) || b.Max == double.PositiveInfinity).Name : null)]));
        }

        if (subgroupModel is not null && table.RowCount > 0)
        {
            dimensions.Add(("subgroup", [.. ModelScorer.Subgroups(subgroupModel, table).Select(s => (s + 1).ToString(CultureInfo.InvariantCulture))]));
        }

        return dimensions;
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

    internal static T[] Pick<T>(T[] source, IReadOnlyList<int> rows) => SupervisedEvaluation.Pick(source, rows);
}
