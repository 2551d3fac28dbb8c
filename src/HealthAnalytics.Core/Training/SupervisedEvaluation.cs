using System.Globalization;
using HealthAnalytics.Curated;
using MathNet.Numerics.Distributions;

namespace HealthAnalytics.Training;

/// <summary>A supervised learner of one spec: fits featurizer and model on rows, scores rows, computes metrics.</summary>
internal interface ISupervisedLearner
{
    /// <summary>Featurizer and model fitted on <paramref name="rows"/> with outcome <paramref name="y"/> (aligned).</summary>
    ModelBundle Fit(TrainingTable rows, double[] y);

    /// <summary>Binary: the probability of each row; regression: the predicted value.</summary>
    double[] Predict(ModelBundle model, TrainingTable rows);

    /// <summary>Every metric of <paramref name="predictions"/> against <paramref name="y"/>.</summary>
    IReadOnlyDictionary<string, double> Metrics(double[] predictions, double[] y);
}

/// <summary>One metric as evaluated: the holdout value, or the mean over cross-validation folds with SD and a 95% interval.</summary>
/// <param name="Sd">SD over folds (cross-validation only).</param>
/// <param name="Low">Lower end of the 95% interval (cross-validation: corrected repeated k-fold t interval).</param>
public sealed record MetricEstimate(double Mean, double? Sd = null, double? Low = null, double? High = null);

/// <summary>How a version was evaluated (docs/models.md, "Evaluation"); stored with the version and shown on its card.</summary>
/// <param name="Kind"><c>holdout</c>, <c>time-split</c> or <c>cross-validation</c>.</param>
/// <param name="Rows">Rows with an outcome (the ones trained and evaluated on).</param>
/// <param name="Events">Binary: rows of the minority class (treatment effects: of the rarer outcome in the smaller arm, whose outcome model has the fewest).</param>
/// <param name="FewestEventsPerFold">Binary: the fewest minority-class rows in one evaluation fold (or the holdout).</param>
/// <param name="EventsPerParameter">Binary: minority rows per model parameter (feature slot); regression: rows per parameter; treatment effects: the same for the weaker per-arm outcome model.</param>
/// <param name="Warnings">When an estimate rests on few events or rows (plain sentences, no data values).</param>
public sealed record EvaluationSummary(
    string Kind,
    int Rows,
    int? Folds,
    int? Repeats,
    long? Events,
    long? FewestEventsPerFold,
    double EventsPerParameter,
    IReadOnlyDictionary<string, MetricEstimate> Metrics,
    IReadOnlyList<string> Warnings,
    string Reason);

/// <summary>
/// Evaluation of supervised tasks (binary classification, regression): a seeded stratified holdout on large data, repeated
/// stratified k-fold cross-validation on small data with the served model refit on all rows, group metrics, and the
/// few-events warnings. Thresholds and the interval are documented in docs/models.md, "Evaluation".
/// </summary>
internal static class SupervisedEvaluation
{
    /// <summary>Below this many rows with an outcome a <c>holdout</c> spec is cross-validated.</summary>
    public const int SmallDataRows = 5000;

    /// <summary>Binary: below this many minority-class rows a <c>holdout</c> spec is cross-validated (a 20% holdout would
    /// hold fewer than <see cref="FewEventsPerFold"/> of them).</summary>
    public const int SmallDataEvents = 250;

    /// <summary>An evaluation fold with fewer minority-class rows (binary) or rows (regression) than this is flagged.</summary>
    public const int FewEventsPerFold = 50;

    /// <summary>Fewer events (binary) or rows (regression) per model parameter than this is flagged.</summary>
    public const double FewEventsPerParameter = 10;

    /// <summary>
    /// Evaluates <paramref name="learner"/> on <paramref name="table"/> (rows with an outcome) and fits the served model.
    /// </summary>
    /// <param name="strata">Stratum of each row: the class (binary) or the outcome's quintile (regression).</param>
    /// <param name="events">Binary: minority-class rows; null for regression.</param>
    /// <param name="groupMetrics">Metrics of a subset of rows (group metrics); null: none.</param>
    /// <param name="sections">The task's card sections (plots, docs/console.md) from the evaluated predictions: each row's
    /// prediction by a model that did not see it (the holdout, or the first repeat's out-of-fold), its outcome, those rows,
    /// and the model that scored them when there is one (holdout; null under cross-validation).</param>
    public static TrainedModel Run(
        ModelSpec spec, TrainingTable table, double[] y, int[] strata, long? events, ISupervisedLearner learner,
        ModelBundle? subgroupModel, int rowsWithoutOutcome, Func<double[], double[], IReadOnlyDictionary<string, double>> groupMetrics,
        System.Diagnostics.Stopwatch clock, Func<double[], double[], TrainingTable, ModelBundle?, IReadOnlyList<CardSection>>? sections = null)
    {
        var v = spec.Validation;
        var crossValidate = v.Kind == "cross-validation"
            || (v.Kind == "holdout" && (table.RowCount < SmallDataRows || events < SmallDataEvents));
        var reason = v.Kind switch
        {
            "cross-validation" => "the spec asks for cross-validation",
            "time-split" => "the spec asks for a time split",
            _ when crossValidate => string.Format(CultureInfo.InvariantCulture,
                "small data: fewer than {0} rows{1}, so a holdout would be too small to trust", SmallDataRows, events is null ? "" : $" or fewer than {SmallDataEvents} minority-class rows"),
            _ => "large data: a seeded stratified holdout",
        };

        if (!crossValidate)
        {
            var (trainRows, holdoutRows) = Splitter.SplitByStrata(table, v, strata);
            var train = table.Select(trainRows);
            var holdout = table.Select(holdoutRows);
            var yTrain = Pick(y, trainRows);
            var yHoldout = Pick(y, holdoutRows);
            var bundle = learner.Fit(train, yTrain);
            var predictions = learner.Predict(bundle, holdout);
            var metrics = learner.Metrics(predictions, yHoldout);
            var groups = GroupMetricsFor(holdout, subgroupModel, rows => groupMetrics(Pick(predictions, rows), Pick(yHoldout, rows)));
            var fewest = events is null ? holdout.RowCount : Minority(yHoldout);
            var summary = Summarize(v.Kind == "time-split" ? "time-split" : "holdout", table.RowCount, null, null, events, fewest,
                Parameters(bundle), metrics.ToDictionary(m => m.Key, m => new MetricEstimate(m.Value)), reason, []);
            return new TrainedModel
            {
                Bundle = bundle,
                Metrics = metrics,
                GroupMetrics = groups,
                Gaps = Gaps(groups),
                Holdout = holdout,
                HoldoutOutcome = yHoldout,
                TrainRows = train.RowCount,
                TrainSeconds = clock.Elapsed.TotalSeconds,
                Evaluation = summary,
                RowsWithoutOutcome = rowsWithoutOutcome,
                CardSections = sections?.Invoke(predictions, yHoldout, holdout, bundle) ?? [],
            };
        }

        var assignments = FoldAssignments(strata, v.Folds, v.Repeats, v.Seed);
        var foldMetrics = RunFolds(learner, table, y, assignments, v.Folds, out var outOfFold);
        var means = Means(foldMetrics);

        // Group metrics from the first repeat's out-of-fold predictions: each row scored once, by a model that did not see it.
        var firstRepeat = outOfFold[0];
        var cvGroups = GroupMetricsFor(table, subgroupModel, rows => groupMetrics(Pick(firstRepeat, rows), Pick(y, rows)));

        // The served model: refit on every row with an outcome, same seed, rows in table order (deterministic).
        var final = learner.Fit(table, y);
        long? fewestPerFold = null;
        if (events is not null)
        {
            fewestPerFold = long.MaxValue;
            foreach (var assignment in assignments)
            {
                for (var f = 0; f < v.Folds; f++)
                {
                    fewestPerFold = Math.Min(fewestPerFold.Value, Minority(Pick(y, RowsOf(assignment, f))));
                }
            }
        }
        else
        {
            fewestPerFold = assignments.Min(a => Enumerable.Range(0, v.Folds).Min(f => (long)RowsOf(a, f).Length));
        }

        var estimates = means.Keys.ToDictionary(m => m, m => Estimate([.. foldMetrics.Select(f => f[m])], v.Folds), StringComparer.Ordinal);
        var undefined = means.Keys.Where(m => foldMetrics.Any(f => !double.IsFinite(f[m]))).ToList();
        var notes = undefined.Count == 0 ? [] : new List<string> { $"{string.Join(", ", undefined)} undefined on some folds (a fold without both classes); the mean is over the others." };
        var cvSummary = Summarize("cross-validation", table.RowCount, v.Folds, v.Repeats, events, fewestPerFold, Parameters(final), estimates, reason, notes);
        return new TrainedModel
        {
            Bundle = final,
            Metrics = means,
            GroupMetrics = cvGroups,
            Gaps = Gaps(cvGroups),
            Holdout = table.Select([]),
            TrainRows = table.RowCount,
            TrainSeconds = clock.Elapsed.TotalSeconds,
            Evaluation = cvSummary,
            RowsWithoutOutcome = rowsWithoutOutcome,
            CrossValidation = new CrossValidationRun(table, y, assignments, v.Folds, foldMetrics),
            CardSections = sections?.Invoke(firstRepeat, y, table, null) ?? [],
        };
    }

    /// <summary>
    /// The promotion metric of another learner (the champion's spec re-run) on the same folds of the same rows:
    /// per fold, in the candidate's order.
    /// </summary>
    public static double[] OnSameFolds(ISupervisedLearner learner, CrossValidationRun run, string metric)
    {
        var metrics = RunFolds(learner, run.Table, run.Outcome, run.Assignments, run.Folds, out _);
        return [.. metrics.Select(m => m.TryGetValue(metric, out var x) ? x : double.NaN)];
    }

    /// <summary>
    /// The champion's promotion metric on the candidate's evaluation. Holdout: the champion's model scores the same
    /// holdout rows. Cross-validation: the champion's stored spec is re-run on the same folds of the same rows (its fitted
    /// model saw some of them), giving per-fold values for a paired comparison; when the champion's spec is the
    /// candidate's, the result is the candidate's own per-fold values (training is deterministic: the re-run would be
    /// identical). Null when the champion cannot be evaluated so (another task, no stored spec, features gone).
    /// </summary>
    public static ChampionScore? ScoreChampion(
        ModelBundle champion, TrainingRequest request, TrainedModel candidate, Func<ModelSpec, ISupervisedLearner> learnerOf,
        Func<ModelBundle, TrainingTable, double[], IReadOnlyDictionary<string, double>> holdoutMetrics)
    {
        var metric = request.Spec.Promotion.Metric;
        if (champion.Manifest.Task != request.Spec.Task)
        {
            return null;
        }

        if (candidate.CrossValidation is not { } run)
        {
            if (candidate.HoldoutOutcome is not { } y || candidate.Holdout.RowCount == 0)
            {
                return null;
            }

            var metrics = holdoutMetrics(champion, candidate.Holdout, y);
            return new ChampionScore(metrics.TryGetValue(metric, out var m) ? m : double.NaN);
        }

        var championSpec = champion.Manifest.StoredSpec();
        if (championSpec is null || championSpec.Task != request.Spec.Task)
        {
            return null;
        }

        double[] perFold;
        if (championSpec.Hash == request.Spec.Hash)
        {
            perFold = [.. run.FoldMetrics.Select(f => f.TryGetValue(metric, out var x) ? x : double.NaN)];
        }
        else
        {
            // Its features must still be columns of the curated data read for this run.
            if (championSpec.Features.Any(f => request.Schema.Find(f.Name) is null || (!run.Table.Numeric.ContainsKey(f.Name) && !run.Table.Categorical.ContainsKey(f.Name))))
            {
                return null;
            }

            perFold = OnSameFolds(learnerOf(championSpec), run, metric);
        }

        var finite = perFold.Where(double.IsFinite).ToArray();
        return new ChampionScore(finite.Length == 0 ? double.NaN : finite.Average(), perFold);
    }

    /// <summary>Per repeat, the fold (0..k-1) of every row: strata in ascending order, each shuffled (seeded), then dealt in turn.</summary>
    public static int[][] FoldAssignments(int[] strata, int folds, int repeats, int seed)
    {
        var result = new int[repeats][];
        var groups = Enumerable.Range(0, strata.Length).GroupBy(i => strata[i]).OrderBy(g => g.Key).Select(g => g.ToArray()).ToList();
        for (var r = 0; r < repeats; r++)
        {
            var random = new Random(unchecked((seed * 7919) + r));
            var assignment = new int[strata.Length];
            var position = 0;
            foreach (var group in groups)
            {
                var rows = (int[])group.Clone();
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

    /// <summary>
    /// Mean, SD over the J = k·r fold values and the corrected repeated k-fold 95% interval:
    /// mean ± t(J−1, 0.975) · √((1/J + 1/(k−1)) · S²). The 1/(k−1) term (test/train size ratio) accounts for the
    /// overlap of training sets between folds, which a plain t interval over folds ignores and so makes far too narrow.
    /// </summary>
    public static MetricEstimate Estimate(double[] values, int folds)
    {
        var finite = values.Where(double.IsFinite).ToArray();
        if (finite.Length == 0)
        {
            return new MetricEstimate(double.NaN);
        }

        var mean = finite.Average();
        if (finite.Length < 2)
        {
            return new MetricEstimate(mean);
        }

        var variance = finite.Sum(x => (x - mean) * (x - mean)) / (finite.Length - 1);
        var se = Math.Sqrt(((1.0 / finite.Length) + (1.0 / (folds - 1))) * variance);
        var t = StudentT.InvCDF(0, 1, finite.Length - 1, 0.975);
        return new MetricEstimate(mean, Math.Sqrt(variance), mean - (t * se), mean + (t * se));
    }

    private static List<IReadOnlyDictionary<string, double>> RunFolds(
        ISupervisedLearner learner, TrainingTable table, double[] y, int[][] assignments, int folds, out double[][] outOfFold)
    {
        var results = new List<IReadOnlyDictionary<string, double>>();
        outOfFold = new double[assignments.Length][];
        for (var r = 0; r < assignments.Length; r++)
        {
            outOfFold[r] = new double[table.RowCount];
            for (var f = 0; f < folds; f++)
            {
                var test = RowsOf(assignments[r], f);
                var train = Enumerable.Range(0, table.RowCount).Where(i => assignments[r][i] != f).ToArray();
                var model = learner.Fit(table.Select(train), Pick(y, train));
                var predictions = learner.Predict(model, table.Select(test));
                for (var i = 0; i < test.Length; i++)
                {
                    outOfFold[r][test[i]] = predictions[i];
                }

                results.Add(learner.Metrics(predictions, Pick(y, test)));
            }
        }

        return results;
    }

    private static SortedDictionary<string, double> Means(List<IReadOnlyDictionary<string, double>> folds) =>
        new SortedDictionary<string, double>(
            folds[0].Keys.ToDictionary(k => k, k => folds.Select(f => f[k]).Where(double.IsFinite).DefaultIfEmpty(double.NaN).Average(), StringComparer.Ordinal),
            StringComparer.Ordinal);

    private static EvaluationSummary Summarize(
        string kind, int rows, int? folds, int? repeats, long? events, long? fewestPerFold, int parameters,
        IReadOnlyDictionary<string, MetricEstimate> metrics, string reason, IReadOnlyList<string> notes)
    {
        var warnings = new List<string>(notes);
        var perParameter = (double)(events ?? rows) / Math.Max(1, parameters);
        var unit = events is null ? "rows" : "minority-class rows (events)";
        if (fewestPerFold < FewEventsPerFold)
        {
            warnings.Add(string.Format(CultureInfo.InvariantCulture,
                "Estimates rest on few {0}: as few as {1} in one evaluation {2} (fewer than {3}); the interval is wide for a reason.",
                unit, fewestPerFold, kind == "cross-validation" ? "fold" : "set", FewEventsPerFold));
        }

        if (FewEventsPerParameterWarning(perParameter, unit, parameters) is { } few)
        {
            warnings.Add(few);
        }

        return new EvaluationSummary(kind, rows, folds, repeats, events, fewestPerFold, Math.Round(perParameter, 2), metrics, warnings, reason);
    }

    /// <summary>The warning when fewer than <see cref="FewEventsPerParameter"/> <paramref name="unit"/> stand behind each model parameter, else null.</summary>
    internal static string? FewEventsPerParameterWarning(double perParameter, string unit, int parameters) =>
        perParameter < FewEventsPerParameter
            ? string.Format(CultureInfo.InvariantCulture,
                "{0:0.#} {1} per model parameter ({2} parameters), fewer than {3}: the model may overfit; prefer fewer features.",
                perParameter, unit, parameters, FewEventsPerParameter)
            : null;

    /// <summary>Model parameters for events-per-parameter: one per feature slot.</summary>
    private static int Parameters(ModelBundle bundle) => bundle.Manifest.Featurizer.Width;

    internal static long Minority(double[] y)
    {
        long positives = y.Count(v => v > 0.5);
        return Math.Min(positives, y.Length - positives);
    }

    internal static int[] RowsOf(int[] assignment, int fold) => [.. Enumerable.Range(0, assignment.Length).Where(i => assignment[i] == fold)];

    internal static T[] Pick<T>(T[] source, IReadOnlyList<int> rows)
    {
        var result = new T[rows.Count];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = source[rows[i]];
        }

        return result;
    }

    private const int MinGroupRows = 30;

    /// <summary>Age bands used for per-band metrics (years, lower bound inclusive).</summary>
    public static readonly (string Name, double Min, double Max)[] AgeBands =
        [("0-17", 0, 18), ("18-44", 18, 45), ("45-64", 45, 65), ("65-79", 65, 80), ("80+", 80, double.PositiveInfinity)];

    /// <summary>Metrics per sex, age band and subgroup (when the subgroup champion exists); groups under 30 rows left out.</summary>
    internal static List<GroupMetrics> GroupMetricsFor(TrainingTable rows, ModelBundle? subgroupModel, Func<int[], IReadOnlyDictionary<string, double>> metrics)
    {
        var dimensions = new List<(string Dimension, string?[] Groups)>();
        if (rows.Categorical.TryGetValue("sex", out var sex))
        {
            dimensions.Add(("sex", sex));
        }

        if (rows.Numeric.TryGetValue("age", out var age))
        {
            dimensions.Add(("ageBand", [.. age.Select(a => double.IsFinite(a) ? AgeBands.First(b => a >= b.Min && a < b.Max || b.Max == double.PositiveInfinity).Name : null)]));
        }

        if (subgroupModel is not null && rows.RowCount > 0)
        {
            var subgroups = ModelScorer.Subgroups(subgroupModel, rows);
            dimensions.Add(("subgroup", [.. subgroups.Select(s => (s + 1).ToString(CultureInfo.InvariantCulture))]));
        }

        var result = new List<GroupMetrics>();
        foreach (var (dimension, groups) in dimensions)
        {
            foreach (var group in groups.Where(g => g is not null).Distinct().Order(StringComparer.Ordinal))
            {
                var members = Enumerable.Range(0, groups.Length).Where(i => groups[i] == group).ToArray();
                if (members.Length < MinGroupRows)
                {
                    continue; // too few rows for a stable metric, and a small group is a re-identification risk in a card
                }

                result.Add(new GroupMetrics(dimension, group!, metrics(members), members.Length));
            }
        }

        return result;
    }

    internal static List<MetricGap> Gaps(IReadOnlyList<GroupMetrics> groups)
    {
        var gaps = new List<MetricGap>();
        foreach (var dimension in groups.GroupBy(g => g.Dimension))
        {
            foreach (var metric in dimension.SelectMany(g => g.Metrics.Keys).Distinct().Order(StringComparer.Ordinal))
            {
                var values = dimension.Where(g => double.IsFinite(g.Metrics[metric])).OrderBy(g => g.Metrics[metric]).ToList();
                if (values.Count >= 2)
                {
                    gaps.Add(new MetricGap(dimension.Key, metric, values[^1].Metrics[metric] - values[0].Metrics[metric], values[0].Group, values[^1].Group));
                }
            }
        }

        return gaps;
    }
}

/// <summary>What a cross-validated candidate keeps for promotion: its rows, outcome, fold assignments and per-fold metrics,
/// so the champion's spec can be re-run on exactly the same folds.</summary>
public sealed record CrossValidationRun(TrainingTable Table, double[] Outcome, int[][] Assignments, int Folds, IReadOnlyList<IReadOnlyDictionary<string, double>> FoldMetrics);
