using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using HealthAnalytics.Contracts;
using HealthAnalytics.Curated;
using HealthAnalytics.Training.Survival;
using HealthAnalytics.Training.Tests.Support;

namespace HealthAnalytics.Training.Tests.Survival;

/// <summary>
/// The survival task's Cox trainer, in process through the product's featurizer and outcome rules, on the committed folds
/// of the clinical suite's nine survival tasks (<c>tests/corpora/clinical/suite.json</c>), against R's
/// <c>coxph(ridge(theta = 1, scale = FALSE))</c> committed in <c>bench/reference/results/</c>. The product's penalty is
/// θ/2·Σ var(xⱼ)·βⱼ² on unstandardized slots, i.e. the reference's penalty on every slot standardized (scope <c>all</c>),
/// up to the n/(n−1) of the sample variance. Bar: mean Harrell's C within 0.01 (bench/reference/README.md); Uno's C and
/// the IBS over [0, τ] are checked too (0.001, 0.002). The boosted
/// trainer is fitted on the same folds and reported beside it (no bar: another model).
/// </summary>
public sealed class SurvivalReferenceFoldsTests
{
    [Theory]
    [InlineData("lung-death")]
    [InlineData("veteran-death")]
    [InlineData("mgus2-death")]
    [InlineData("nafld1-death")]
    [InlineData("udca1-failure")]
    [InlineData("diabetic-vision-loss")]
    [InlineData("pbc-death")]
    [InlineData("melanoma-death")]
    [InlineData("gbsg2-recurrence")]
    public void Cox_OnTheCommittedFolds_MatchesRCoxphRidge(string task)
    {
        var suite = SuiteTask.Load(task);
        var cox = suite.MeanMetrics(suite.Spec);
        var boosted = suite.MeanMetrics(suite.Spec with { Trainer = new TrainerSpec { Name = "boosted-survival" } });
        var reference = Reference(task)["models"]!["coxph-ridge"]!["mean"]!;
        var r = (C: reference["harrellC"]!.GetValue<double>(), Uno: reference["unoC"]!.GetValue<double>(), Ibs: reference["ibs"]!.GetValue<double>());
        Measurements.Record(FormattableString.Invariant(
            $"reference folds {task}: Cox C {cox.C:F4} vs R coxph-ridge {r.C:F4} ({cox.C - r.C:+0.0000;-0.0000;0.0000}); Uno C {cox.Uno:F4} vs {r.Uno:F4}; IBS {cox.Ibs:F4} vs {r.Ibs:F4}; boosted C {boosted.C:F4}, IBS {boosted.Ibs:F4}"));
        Assert.True(Math.Abs(cox.C - r.C) <= 0.01, FormattableString.Invariant($"{task}: C {cox.C:F4} vs R {r.C:F4}"));

        // Context metrics, same definitions (bench/reference/README.md): Uno's C exactly, the IBS up to its 100-step grid.
        Assert.True(Math.Abs(cox.Uno - r.Uno) <= 0.001, FormattableString.Invariant($"{task}: Uno C {cox.Uno:F4} vs R {r.Uno:F4}"));
        Assert.True(Math.Abs(cox.Ibs - r.Ibs) <= 0.002, FormattableString.Invariant($"{task}: IBS {cox.Ibs:F4} vs R {r.Ibs:F4}"));
    }

    private static JsonNode Reference(string task) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(CsvTable.RepoRoot, "bench", "reference", "results", task + ".json")))!;

    /// <summary>One survival task of the suite as the product sees it: a training table, a curated schema, a spec, folds.</summary>
    private sealed class SuiteTask
    {
        public required ModelSpec Spec { get; init; }
        public required CuratedSchema Schema { get; init; }
        public required TrainingTable Table { get; init; }
        public required SurvivalOutcome Outcome { get; init; }
        public required int[] Folds { get; init; }

        /// <summary>Means over the 5 folds of Harrell's C, Uno's C (τ = the last horizon) and the IBS over [0, τ], each fold
        /// scored by a model fitted on the other four (as the reference does), with the product's metric code.</summary>
        public (double C, double Uno, double Ibs) MeanMetrics(ModelSpec spec)
        {
            var c = new List<double>();
            var uno = new List<double>();
            var ibs = new List<double>();
            for (var f = 0; f < 5; f++)
            {
                var train = Enumerable.Range(0, Folds.Length).Where(i => Folds[i] >= 0 && Folds[i] != f).ToArray();
                var test = Enumerable.Range(0, Folds.Length).Where(i => Folds[i] == f).ToArray();
                var fit = SurvivalLearner.Fit(spec, Schema, Table.Select(train), Pick(Outcome.Times, train), Pick(Outcome.Events, train));
                var scored = SurvivalEvaluation.Score(fit, Table.Select(test), spec.Survival!.Horizons);
                var (metrics, headline) = SurvivalEvaluation.Evaluate(Pick(Outcome.Times, test), Pick(Outcome.Events, test), scored, SurvivalEvaluation.CalibrationGroups(test.Length));
                c.Add(metrics.HarrellC);
                uno.Add(metrics.UnoC);
                ibs.Add(headline["ibs"]);
            }

            return (c.Average(), uno.Average(), ibs.Average());
        }

        /// <summary>Rows are indexed as in the table's CSV: the outcome is read for every row, the fold file says which
        /// rows have one (it must agree with the product's outcome rules).</summary>
        private static T[] Pick<T>(T[] byUsableRow, int[] rows) => SupervisedEvaluation.Pick(byUsableRow, rows);

        public static SuiteTask Load(string id)
        {
            var data = SuiteTaskTable.Load(id);
            var task = data.Task;
            var outcome = task["outcome"]!.AsObject();
            var time = outcome["time"]!.GetValue<string>();
            var eventColumn = outcome["event"]!.GetValue<string>();
            data.AddNumber(time);
            data.AddNumber(eventColumn);

            var options = task["trainer"]!["options"]!.AsObject();
            var spec = new ModelSpec
            {
                Name = "reference",
                Task = ModelTask.Survival,
                Dataset = "reference",
                Features = data.Features,
                Survival = new SurvivalSpec
                {
                    Time = time,
                    TimeUnit = outcome["timeUnit"]!.GetValue<string>(),
                    Event = new SurvivalEventSpec { Column = eventColumn, Values = [.. outcome["eventValues"]!.AsArray().Select(v => JsonSerializer.SerializeToElement(v))] },
                    Horizons = [.. outcome["horizons"]!.AsArray().Select(h => h!.GetValue<double>())],
                },
                Trainer = new TrainerSpec { Name = "cox", Ties = options["ties"]!.GetValue<string>(), L2Regularization = options["l2Regularization"]!.GetValue<double>() },
                Promotion = new PromotionSpec { Metric = "cIndex" },
                MinimumRows = 10,
            };
            var schema = new CuratedSchema("reference", "1", [], data.Columns);
            Assert.Empty(ModelSpecReader.Validate(spec, schema));
            var table = data.ToTrainingTable();

            // The product's outcome rules (time and event present, time > 0) decide which rows are usable; the fold file
            // marks the others -1. Then rows are re-indexed to the usable ones, as training sees them.
            var folds = data.ReadFolds();
            var read = SurvivalOutcome.Read(spec.Survival, schema, table);
            Assert.Equal(Enumerable.Range(0, folds.Length).Where(i => folds[i] >= 0), read.Rows);
            return new SuiteTask { Spec = spec, Schema = schema, Table = table.Select(read.Rows), Outcome = read, Folds = [.. read.Rows.Select(i => folds[i])] };
        }
    }
}
