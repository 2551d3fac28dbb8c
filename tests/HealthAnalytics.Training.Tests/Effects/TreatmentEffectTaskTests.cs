using System.Text.Json;
using System.Text.Json.Nodes;
using HealthAnalytics.Contracts;
using HealthAnalytics.Curated;
using HealthAnalytics.Serving;
using HealthAnalytics.Synthetic.Cohorts;
using HealthAnalytics.Training.Effects;
using HealthAnalytics.Training.Tests.Support;

namespace HealthAnalytics.Training.Tests.Effects;

/// <summary>The treatment-effect task through the model-task seam (docs/treatment-effects.md, "Model spec" to "Prediction").</summary>
public sealed class TreatmentEffectTaskTests
{
    private static readonly string CohortDirectory = Path.Combine(Path.GetDirectoryName(Repo.ConfigDirectory)!, "src", "HealthAnalytics.Synthetic", "Cohorts");

    /// <summary>The synthetic cohort's contract, with the true-effect column a validation upload adds.</summary>
    internal static CuratedSchema Schema { get; } = CuratedSchema.Of(ContractLoader.Load(ContractWithTruth()).Contract!);

    internal static string ContractWithTruth()
    {
        var contract = JsonNode.Parse(File.ReadAllText(Path.Combine(CohortDirectory, "treatment-cohort.contract.json")))!.AsObject();
        contract["columns"]!.AsArray().Add(new JsonObject { ["name"] = "true_effect", ["type"] = "number", ["privacy"] = "sensitive" });
        return contract.ToJsonString();
    }

    internal static string SpecJson() => File.ReadAllText(Path.Combine(CohortDirectory, "treatment-cohort.spec.json"));

    private static ModelSpec Spec(Func<JsonObject, JsonObject>? edit = null)
    {
        var json = JsonNode.Parse(SpecJson())!.AsObject();
        return ModelSpecReader.Parse((edit?.Invoke(json) ?? json).ToJsonString());
    }

    /// <summary>The cohort as curated data reaches training: booleans and integers as numbers, categories as text.</summary>
    internal static TrainingTable Table(TreatmentCohort c) => new(c.Rows,
        new Dictionary<string, double[]>
        {
            ["age"] = c.Age, ["crp"] = c.Crp, ["egfr"] = c.Egfr, ["bmi"] = c.Bmi,
            ["diabetes"] = [.. c.Diabetes.Select(d => d == "yes" ? 1.0 : 0.0)],
            ["trt"] = [.. c.Treated.Select(t => t ? 2.0 : 1.0)], ["event_1y"] = c.Event, ["true_effect"] = c.TrueEffect,
        },
        new Dictionary<string, string?[]> { ["sex"] = c.Sex, ["stage"] = c.Stage, ["smoker"] = c.Smoker });

    private static TrainedModel Train(ModelSpec spec, TrainingTable table, string version = "v1") =>
        ModelTasks.Get(ModelTask.TreatmentEffect).Train(new TrainingRequest(spec, Schema, table, version, "test", DateTimeOffset.UnixEpoch));

    /// <summary>An edited spec as the reader would give it: its hash recomputed from its content.</summary>
    private static ModelSpec Rehash(ModelSpec spec) => ModelSpecReader.Parse(JsonSerializer.Serialize(spec, ModelSpecReader.Json));

    private static ModelSpec Fast(ModelSpec spec) => spec with
    {
        Effects = (spec.Effects ?? new()) with { Folds = 3 },
        Trainer = spec.Trainer with { NumberOfIterations = 60, NumberOfLeaves = 7 },
    };

    [Fact]
    public void ExampleSpec_IsValidAgainstTheCohortContract_AndPromotesOnQiniByDefault()
    {
        var result = ModelSpecReader.Load(SpecJson(), _ => Schema);
        Assert.True(result.IsValid, string.Join("; ", result.Errors.Select(e => e.Path + ": " + e.Message)));
        Assert.Equal("qini", result.Spec!.Promotion.Metric);

        // A metric the spec names is kept as written, so a binary metric is refused rather than replaced.
        var auc = JsonNode.Parse(SpecJson())!.AsObject();
        auc["promotion"] = new JsonObject { ["metric"] = "auc" };
        Assert.Contains(ModelSpecReader.Load(auc.ToJsonString(), _ => Schema).Errors, e => e.Path == "$.promotion.metric");
    }

    [Fact]
    public void Validate_EveryProblemAtItsPath_NeverQuotingTheDocument()
    {
        const string Secret = "zz-secret-value";
        var spec = Spec() with
        {
            Label = "event_1y",
            Design = "quasi-random",
            Estimator = "x-learner",
            Effects = new EffectsSpec { Folds = 2, Truth = "age", Cluster = "nowhere" },
            Treatment = new TreatmentSpec
            {
                Column = "trt",
                Treated = [JsonSerializer.SerializeToElement(2), JsonSerializer.SerializeToElement(Secret)],
                Control = [JsonSerializer.SerializeToElement(2), JsonSerializer.SerializeToElement(1.5)],
            },
            Outcome = new EffectOutcomeSpec { Column = "stage", Better = "sideways" },
            Promotion = new PromotionSpec { Metric = "pehe" },
        };
        var errors = ModelSpecReader.Validate(spec, Schema);
        var paths = errors.Select(e => e.Path).ToList();
        Assert.Contains("$.label", paths);
        Assert.Contains("$.design", paths);
        Assert.Contains("$.estimator", paths);
        Assert.Contains("$.effects.folds", paths);
        Assert.Contains("$.effects.truth", paths); // age is a feature
        Assert.Contains("$.effects.cluster", paths);
        Assert.Contains("$.treatment.treated[1]", paths); // a string for an integer column
        Assert.Contains("$.treatment.control[0]", paths); // shared with the treated arm
        Assert.Contains("$.treatment.control[1]", paths); // not a whole number
        Assert.Contains("$.outcome.better", paths);
        Assert.Contains("$.outcome.positive", paths); // a category outcome needs its positive values
        Assert.DoesNotContain(errors, e => e.Message.Contains(Secret, StringComparison.Ordinal));

        // pehe without a truth column; an identifier as the treatment; a feature as the outcome; a known propensity in an observational design.
        var second = Spec() with
        {
            Promotion = new PromotionSpec { Metric = "pehe" },
            Treatment = new TreatmentSpec { Column = "patient_id", Treated = [JsonSerializer.SerializeToElement("a")], Control = [JsonSerializer.SerializeToElement("b")] },
            Outcome = new EffectOutcomeSpec { Column = "crp", Better = "lower" },
            Design = "observational",
        };
        var more = ModelSpecReader.Validate(second, Schema).Select(e => e.Path).ToList();
        Assert.Contains("$.promotion.metric", more);
        Assert.Contains("$.treatment.column", more);
        Assert.Contains("$.outcome.column", more);
        Assert.Contains("$.propensity", more);
    }

    [Fact]
    public void EventByHorizon_CodesEachRowByItsFollowUp_LeavesTheCensoredBeforeTheHorizonOut_AndCountsThem()
    {
        // time, status, arm: an event by the horizon is 1; followed to the horizon without it (or with a later event) is 0;
        // censored before it is unknown; no arm or no time is left out.
        (double Time, double Status, double Arm, double Expected)[] rows =
        [
            (10, 1, 1, 1), (90, 1, 0, 1), (91, 1, 1, 0), (200, 0, 0, 0), (90, 0, 1, 0), (30, 0, 0, double.NaN), (89.9, 0, 1, double.NaN),
            (50, 1, 3, double.NaN), (double.NaN, 1, 1, double.NaN),
        ];
        var schema = new CuratedSchema("trial", "1", [],
        [
            new CuratedColumn("time", ColumnType.Number, PrivacyRole.None, "days", [], false, false),
            new CuratedColumn("status", ColumnType.Integer, PrivacyRole.None, null, [], false, false),
            new CuratedColumn("arm", ColumnType.Integer, PrivacyRole.None, null, [], false, false),
            new CuratedColumn("x", ColumnType.Number, PrivacyRole.None, null, [], false, false),
        ]);
        var spec = new ModelSpec
        {
            Name = "m", Task = ModelTask.TreatmentEffect, Dataset = "trial", Features = [new FeatureSpec("x")], Design = "randomized",
            Promotion = new PromotionSpec { Metric = "qini" },
            Treatment = new TreatmentSpec { Column = "arm", Treated = [JsonSerializer.SerializeToElement(1)], Control = [JsonSerializer.SerializeToElement(0)] },
            Outcome = new EffectOutcomeSpec { Time = "time", Event = "status", Positive = [JsonSerializer.SerializeToElement(1)], Horizon = 90, Better = "lower" },
        };
        Assert.Empty(ModelSpecReader.Validate(spec, schema));
        var table = new TrainingTable(rows.Length, new Dictionary<string, double[]>
        {
            ["time"] = [.. rows.Select(r => r.Time)], ["status"] = [.. rows.Select(r => r.Status)], ["arm"] = [.. rows.Select(r => r.Arm)], ["x"] = new double[rows.Length],
        }, new Dictionary<string, string?[]>());

        var inputs = EffectInputs.Rows(spec, schema, table);
        var expected = Enumerable.Range(0, rows.Length).Where(i => !double.IsNaN(rows[i].Expected)).ToArray();
        Assert.Equal(expected, inputs.Rows);
        Assert.Equal(expected.Select(i => rows[i].Expected), inputs.Outcome);
        Assert.Equal(expected.Select(i => rows[i].Arm == 1), inputs.Treated);
        Assert.Equal(new EffectRowCounts(9, NoArm: 1, NoOutcome: 1, CensoredBeforeHorizon: 2, Analysed: 5), inputs.Counts);

        // Kaplan–Meier keeps the censored rows: treated (10 event, 89.9 censored, 90 censored, 91 event) and control
        // (30 censored, 90 event, 200 censored). Treated S(90) = 3/4 (one event among 4 at risk at day 10); control
        // S(90) = 1 − 1/2 (one event among the 2 still at risk on day 90).
        var km = inputs.KaplanMeier!;
        Assert.Equal(0.25, km.Treated.Value, 12);
        Assert.Equal(0.5, km.Control.Value, 12);
        Assert.Equal(-0.25, km.Difference.Value, 12);
    }

    [Fact]
    public void RandomizedCohort_TrainsThroughTheTask_BundleRoundTripPredictsTheSame_AndTheCardHasEverySection()
    {
        var cohort = CohortData.Generate(3000, 31, TreatmentAssignment.Randomized);
        var table = Table(cohort);
        var spec = Fast(Spec()) with { Effects = new EffectsSpec { Folds = 3, Truth = "true_effect", PolicyThreshold = 0.02 } };
        var trained = Train(spec, table);
        Assert.Null(trained.Refusal);
        Assert.True(trained.Metrics["ateLower"] <= trained.Metrics["ate"] && trained.Metrics["ate"] <= trained.Metrics["ateUpper"]);
        Assert.True(double.IsFinite(trained.Metrics["qini"]) && double.IsFinite(trained.Metrics["pehe"]));
        Assert.Equal(["mu0", "mu1", "tau"], trained.Bundle.Models.Keys.Order(StringComparer.Ordinal));

        // Events per parameter of the weaker per-arm outcome model: the rarer outcome in the smaller arm (every row is
        // analysed and kept in this randomized cohort), per feature slot. A number, never NaN, in the version's JSON.
        Assert.Equal(cohort.Rows, trained.Metrics["keptRows"]);
        long Rarer(bool treated)
        {
            var arm = Enumerable.Range(0, cohort.Rows).Where(i => cohort.Treated[i] == treated).ToList();
            long events = arm.Count(i => cohort.Event[i] > 0.5);
            return Math.Min(events, arm.Count - events);
        }

        var evaluation = trained.Evaluation!;
        Assert.Equal(Math.Min(Rarer(true), Rarer(false)), evaluation.Events);
        Assert.Equal(Math.Round((double)evaluation.Events!.Value / trained.Bundle.Manifest.Featurizer.Width, 2), evaluation.EventsPerParameter);
        Assert.Equal(JsonValueKind.Number, JsonSerializer.SerializeToElement(evaluation, ModelSpecReader.Json).GetProperty("eventsPerParameter").ValueKind);

        using var stream = new MemoryStream(trained.Bundle.ToBytes());
        var loaded = new ModelPredictor(ModelBundle.Load(stream));
        var fresh = new ModelPredictor(trained.Bundle);
        Assert.Empty(loaded.InputSchema.Features.Select(f => f.Name).Intersect(["trt", "event_1y", "true_effect"]));
        var leaves = ((BenefitSubgroupsSection)trained.CardSections.Single(s => s.Kind == "benefit-subgroups")).Leaves;
        for (var i = 0; i < 40; i++)
        {
            var instance = new Dictionary<string, object?>
            {
                ["age"] = cohort.Age[i], ["sex"] = cohort.Sex[i], ["stage"] = cohort.Stage[i], ["crp"] = double.IsNaN(cohort.Crp[i]) ? null : cohort.Crp[i],
                ["egfr"] = double.IsNaN(cohort.Egfr[i]) ? null : cohort.Egfr[i], ["bmi"] = double.IsNaN(cohort.Bmi[i]) ? null : cohort.Bmi[i],
                ["diabetes"] = cohort.Diabetes[i] == "yes", ["smoker"] = cohort.Smoker[i],
            };
            var a = loaded.Predict<TreatmentEffectPrediction>(instance);
            var b = fresh.Predict<TreatmentEffectPrediction>(instance);
            Assert.Equal(JsonSerializer.Serialize(b), JsonSerializer.Serialize(a));
            Assert.InRange(a.Outcomes["treated"], 0, 1);
            Assert.InRange(a.Outcomes["control"], 0, 1);
            Assert.Equal(a.Effect, a.Outcomes["treated"] - a.Outcomes["control"], tolerance: 2e-6); // the outcomes and their difference agree
            Assert.Equal(-a.Effect, a.Benefit, 9); // an event is an adverse outcome: benefit = fewer events
            Assert.Equal(a.Benefit > 0.02 ? "treated" : "control", a.Recommendation.Arm);
            Assert.Equal(a.Benefit > 0.02 ? "trt in {2}" : "trt in {1}", a.Recommendation.Definition);
            var leaf = leaves.Single(l => l.Id == a.Subgroup.Leaf);
            Assert.Equal(leaf.Rule, a.Subgroup.Rule);
            Assert.Equal(Math.Round(leaf.Effect.Lower, 6), a.Interval.Lower);
            Assert.Equal(Math.Round(leaf.Effect.Upper, 6), a.Interval.Upper);
        }

        var version = new ModelVersion
        {
            Model = spec.Name, Version = "v1", Status = ModelStatus.Candidate, Task = "treatment-effect", CreatedAt = DateTimeOffset.UnixEpoch, Metrics = trained.Metrics,
            Lineage = new Lineage([], table.RowCount, table.RowCount, trained.TrainRows, trained.Holdout.RowCount, "1.0.0", spec.Hash, "test", "f"),
        };
        var card = ModelCard.From(spec, trained, version);
        using var json = JsonDocument.Parse(card.ToJson());
        var kinds = json.RootElement.GetProperty("sections").EnumerateArray().Select(s => s.GetProperty("kind").GetString()).ToList();
        Assert.Equal(["treatment-effect", "overlap", "estimator-comparison", "benefit-subgroups", "treatment-policy", "qini", "effect-calibration"], kinds);
        var html = card.ToHtml();
        Assert.Contains("<svg", html, StringComparison.Ordinal); // the forest plot
        Assert.Contains("AIPW (adjusted)", html, StringComparison.Ordinal);
        Assert.DoesNotContain(cohort.PatientId[0], html, StringComparison.Ordinal);
    }

    [Fact]
    public void NoOverlapCohort_IsRefusedWithTheReason_AndItsBundleHoldsNoModelThatCouldServe()
    {
        var cohort = CohortData.Generate(2000, 32, TreatmentAssignment.NoOverlap);
        var spec = Fast(Spec()) with { Design = "observational", Propensity = null };
        var trained = Train(spec, Table(cohort));
        Assert.NotNull(trained.Refusal);
        Assert.StartsWith("poor overlap", trained.Refusal, StringComparison.Ordinal);
        Assert.Empty(trained.Bundle.Models);
        Assert.True(trained.Metrics["trimmedRows"] > 0);
        var overlap = (OverlapSection)trained.CardSections.Single(s => s.Kind == "overlap");
        Assert.False(overlap.Sufficient);
        Assert.Equal(overlap.Reason, trained.Refusal);
        Assert.Equal(trained.Refusal, ((TreatmentEffectSection)trained.CardSections[0]).Refusal);
        Assert.Throws<InvalidDataException>(() => new ModelPredictor(trained.Bundle));
    }

    [Fact]
    public void ScoreChampion_NeverScoresAFittedModelOnRowsItSaw_SameSpecIsTheCandidatesValue_AnotherSpecIsRerunOutOfFold()
    {
        var task = ModelTasks.Get(ModelTask.TreatmentEffect);
        var spec = Fast(Spec());
        var table = Table(CohortData.Generate(2000, 34, TreatmentAssignment.Randomized));
        var request = new TrainingRequest(spec, Schema, table, "v2", "test", DateTimeOffset.UnixEpoch);
        var candidate = task.Train(request);

        // The champion's spec equals the candidate's (new data only): re-running it would reproduce the candidate's value.
        var sameSpec = Train(spec, Table(CohortData.Generate(2000, 33, TreatmentAssignment.Randomized)));
        Assert.Equal(candidate.Metrics["qini"], task.ScoreChampion(sameSpec.Bundle, request, candidate)!.Score);

        // Another spec of the same estimand (the T-learner): re-run by cross-fitting on the candidate's rows, its
        // out-of-fold effects ranked against the candidate's pseudo-outcomes. With the same folds and nuisance models
        // that is exactly the T-learner's Qini the candidate's own card reports.
        var tSpec = spec with { Estimator = "t-learner" };
        var tChampion = Train(Rehash(tSpec), Table(CohortData.Generate(2000, 35, TreatmentAssignment.Randomized)));
        var score = task.ScoreChampion(tChampion.Bundle, request, candidate);
        var comparison = (EstimatorComparisonSection)candidate.CardSections.Single(c => c.Kind == "estimator-comparison");
        Assert.Equal(comparison.Learners.Single(l => l.Learner == EffectLearner.TLearner).Qini.Value, score!.Score, 12);

        // A champion of another estimand (higher is better) estimates another effect: not comparable.
        var other = Train(Rehash(spec with { Outcome = spec.Outcome! with { Better = "higher" } }), Table(CohortData.Generate(2000, 36, TreatmentAssignment.Randomized)));
        Assert.Null(task.ScoreChampion(other.Bundle, request, candidate));
    }
}
