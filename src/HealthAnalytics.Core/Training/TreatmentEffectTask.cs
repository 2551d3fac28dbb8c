using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json;
using HealthAnalytics.Contracts;
using HealthAnalytics.Curated;
using HealthAnalytics.Serving;
using HealthAnalytics.Training.Effects;
using Microsoft.ML;

namespace HealthAnalytics.Training;

/// <summary>What a treatment-effect bundle stores beside its ML.NET models (<see cref="ModelManifest.Parameters"/>).</summary>
/// <param name="Model">The effect model's parameters (tree, policy, constants); null when the estimate was refused.</param>
/// <param name="Refusal">Why nothing was estimated (poor overlap, too few rows in an arm); null when estimated.</param>
public sealed record TreatmentEffectParameters(EffectDefinition Definition, EffectRowCounts Counts, EffectModelParameters? Model, string? Refusal);

/// <summary>
/// Treatment effects (docs/treatment-effects.md): which patients benefit from a treatment, from a randomized trial or
/// observational data. The spec names the arms, the outcome and the design; training cross-fits T- and DR-learners on
/// LightGBM, estimates the average effect (AIPW) beside the unadjusted one, grows honest benefit subgroups, values a
/// treatment policy, and evaluates Qini and calibration out of fold; the serving models are refitted on every kept row.
/// An observational dataset whose arms do not overlap is refused, with the reason, not estimated.
/// </summary>
internal sealed class TreatmentEffectTask : IModelTask
{
    private const string QiniMetric = "qini";
    private const string PeheMetric = "pehe";

    /// <summary>The candidate's out-of-fold evaluation, kept while its run scores the champion on it.</summary>
    private readonly ConditionalWeakTable<TrainedModel, CandidateEvaluation> _evaluations = [];

    public ModelTask Task => ModelTask.TreatmentEffect;

    public IReadOnlyList<string> Trainers { get; } = ["lightgbm"];

    /// <summary><c>qini</c> (the default) on every dataset; <c>pehe</c> only where the true effects are known (synthetic data).</summary>
    public IReadOnlyDictionary<string, bool> PromotionMetrics { get; } = new Dictionary<string, bool>(StringComparer.Ordinal)
    {
        [QiniMetric] = true,
        [PeheMetric] = false,
    };

    public Type PredictionType => typeof(TreatmentEffectPrediction);

    public void Validate(ModelSpec spec, CuratedSchema? schema, Action<string, string> error)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(error);
        if (spec.Label is not null)
        {
            error("$.label", "is not used by treatment-effect (the outcome is $.outcome)");
        }

        if (spec.Clustering is not null)
        {
            error("$.clustering", "is not used by treatment-effect");
        }

        if (spec.Validation.Kind != "holdout")
        {
            error("$.validation.kind", "treatment-effect is evaluated by cross-fitting: only $.validation.seed is read");
        }

        if (spec.Trainer.MaximumIterations is not null)
        {
            error("$.trainer.maximumIterations", "is not used by lightgbm");
        }

        if (spec.Design is null)
        {
            error("$.design", "is required for treatment-effect: randomized or observational");
        }
        else if (spec.Design is not ("randomized" or "observational"))
        {
            error("$.design", "must be randomized or observational");
        }

        if (spec.Propensity is { } p)
        {
            if (spec.Design != "randomized")
            {
                error("$.propensity", "is only for a randomized design (an observational design estimates it)");
            }
            else if (!(p > 0 && p < 1))
            {
                error("$.propensity", "must be in (0, 1)");
            }
        }

        if (spec.Estimator is not (null or "t-learner" or "dr-learner"))
        {
            error("$.estimator", "must be t-learner or dr-learner");
        }

        var options = spec.Effects ?? new EffectsSpec();
        if (options.Folds is < 3 or > 10)
        {
            error("$.effects.folds", "must be in 3..10 (the DR-learner's pairwise cross-fitting needs at least 3)");
        }

        if (!(options.TrimAlpha >= 0 && options.TrimAlpha < 0.25))
        {
            error("$.effects.trimAlpha", "must be in [0, 0.25)");
        }

        if (!(options.MaxTrimmedShare >= 0 && options.MaxTrimmedShare <= 0.5))
        {
            error("$.effects.maxTrimmedShare", "must be in [0, 0.5]");
        }

        if (!double.IsFinite(options.PolicyThreshold))
        {
            error("$.effects.policyThreshold", "must be a finite number");
        }

        if (spec.Promotion.Metric == PeheMetric && options.Truth is null)
        {
            error("$.promotion.metric", "pehe needs the true effects ($.effects.truth), which only synthetic data has; use qini");
        }

        ValidateShape(spec, error);
        if (schema is not null)
        {
            ValidateColumns(spec, schema, error);
        }
    }

    private static void ValidateShape(ModelSpec spec, Action<string, string> error)
    {
        if (spec.Treatment is not { } t)
        {
            error("$.treatment", "is required for treatment-effect: { column, treated: [...], control: [...] }");
        }
        else
        {
            if (string.IsNullOrEmpty(t.Column))
            {
                error("$.treatment.column", "is required");
            }

            if (t.Treated.Count == 0)
            {
                error("$.treatment.treated", "needs at least one value");
            }

            if (t.Control.Count == 0)
            {
                error("$.treatment.control", "needs at least one value");
            }

            for (var i = 0; i < t.Control.Count; i++)
            {
                if (t.Treated.Any(v => SameValue(v, t.Control[i])))
                {
                    error($"$.treatment.control[{i}]", "is also a treated value: the arms must not share a value");
                }
            }
        }

        if (spec.Outcome is not { } o)
        {
            error("$.outcome", "is required for treatment-effect: { column, positive?, better } or { time, event, positive?, horizon, better }");
            return;
        }

        if (o.Better is not ("lower" or "higher"))
        {
            error("$.outcome.better", "must be lower or higher (which direction of the outcome is a benefit)");
        }

        if (EffectInputs.IsHorizon(o))
        {
            if (o.Column is not null)
            {
                error("$.outcome.column", "an event-by-horizon outcome names time, event and horizon, not column");
            }

            if (string.IsNullOrEmpty(o.Time))
            {
                error("$.outcome.time", "is required for an event-by-horizon outcome");
            }

            if (string.IsNullOrEmpty(o.Event))
            {
                error("$.outcome.event", "is required for an event-by-horizon outcome");
            }

            if (o.Horizon is not { } h || !double.IsFinite(h) || h <= 0)
            {
                error("$.outcome.horizon", "is required for an event-by-horizon outcome: a positive number in the time column's unit");
            }
        }
        else if (string.IsNullOrEmpty(o.Column))
        {
            error("$.outcome.column", "is required (or time, event and horizon for an event by a horizon)");
        }
        else if (o.Positive is { Count: 0 })
        {
            error("$.outcome.positive", "needs at least one value");
        }
    }

    private static void ValidateColumns(ModelSpec spec, CuratedSchema schema, Action<string, string> error)
    {
        var features = spec.Features.Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
        CuratedColumn? Column(string path, string? name, string role, bool identifierAllowed = false)
        {
            if (string.IsNullOrEmpty(name))
            {
                return null;
            }

            var column = schema.Find(name);
            if (column is null)
            {
                error(path, "is not a column of the dataset");
                return null;
            }

            if (column.Privacy == PrivacyRole.Direct || column.Dropped || (column.Privacy == PrivacyRole.Identifier && !identifierAllowed))
            {
                error(path, $"an identifier, direct identifier or dropped column cannot be the {role}");
                return null;
            }

            if (features.Contains(name))
            {
                error(path, $"the {role} cannot also be a feature");
            }

            return column;
        }

        if (spec.Treatment is { } t && Column("$.treatment.column", t.Column, "treatment") is { } treatment)
        {
            if (treatment.Type is ColumnType.Date or ColumnType.DateTime)
            {
                error("$.treatment.column", "a date column cannot be the treatment");
            }
            else
            {
                CheckValues(spec, schema, "$.treatment.treated", treatment, t.Treated, error);
                CheckValues(spec, schema, "$.treatment.control", treatment, t.Control, error);
            }
        }

        if (spec.Outcome is { } o)
        {
            var outcomeNames = new List<string?>();
            if (EffectInputs.IsHorizon(o))
            {
                if (Column("$.outcome.time", o.Time, "event time") is { } time && time.Type is not (ColumnType.Integer or ColumnType.Number))
                {
                    error("$.outcome.time", "must be an integer or number column");
                }

                if (Column("$.outcome.event", o.Event, "event status") is { } status)
                {
                    CheckPositive(spec, schema, "$.outcome", status, o.Positive, error);
                }

                outcomeNames.AddRange([o.Time, o.Event]);
            }
            else if (Column("$.outcome.column", o.Column, "outcome") is { } outcome)
            {
                if (o.Positive is null && outcome.Type is not (ColumnType.Integer or ColumnType.Number or ColumnType.Boolean))
                {
                    error("$.outcome.positive", "is required for a category or string outcome: the values that count as the outcome");
                }
                else if (o.Positive is not null || outcome.Type == ColumnType.Boolean)
                {
                    CheckPositive(spec, schema, "$.outcome", outcome, o.Positive, error);
                }

                outcomeNames.Add(o.Column);
            }

            if (spec.Treatment is { } tr && outcomeNames.Contains(tr.Column))
            {
                error("$.treatment.column", "the treatment cannot also be the outcome");
            }
        }

        var effects = spec.Effects ?? new EffectsSpec();
        Column("$.effects.cluster", effects.Cluster, "cluster", identifierAllowed: true);
        if (Column("$.effects.truth", effects.Truth, "true effect") is { } truth && truth.Type is not (ColumnType.Integer or ColumnType.Number))
        {
            error("$.effects.truth", "must be a number column");
        }
    }

    private static void CheckPositive(ModelSpec spec, CuratedSchema schema, string path, CuratedColumn column, IReadOnlyList<JsonElement>? positive, Action<string, string> error)
    {
        if (positive is null)
        {
            if (column.Type != ColumnType.Boolean)
            {
                error(path + ".positive", "is required unless the column is boolean: the values that count as the outcome (event)");
            }

            return;
        }

        if (column.Type is ColumnType.Date or ColumnType.DateTime)
        {
            error(path, "a date column cannot be a binary outcome or an event status");
            return;
        }

        CheckValues(spec, schema, path + ".positive", column, positive, error);
    }

    /// <summary>Each value must be a value of the column after the contract's normalization (as a binary label's positive
    /// values: canonical category or alias, number, boolean word); messages never quote it.</summary>
    private static void CheckValues(ModelSpec spec, CuratedSchema schema, string path, CuratedColumn column, IReadOnlyList<JsonElement> values, Action<string, string> error) =>
        Outcomes.Validate(spec with { Features = [] }, new LabelSpec { Column = column.Name, Positive = values }, schema, binary: true, (at, message) =>
        {
            if (at.StartsWith("$.label.positive[", StringComparison.Ordinal))
            {
                error(path + at["$.label.positive".Length..], message);
            }
        });

    private static bool SameValue(JsonElement a, JsonElement b) =>
        a.ValueKind == JsonValueKind.String || b.ValueKind == JsonValueKind.String
            ? a.ValueKind == b.ValueKind && string.Equals(a.GetString(), b.GetString(), StringComparison.Ordinal)
            : EffectInputs.Number(a) is var x && double.IsFinite(x) && x == EffectInputs.Number(b);

    public IReadOnlyDictionary<string, FeatureKind> OutcomeColumns(ModelSpec spec, CuratedSchema schema)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(schema);
        var columns = new Dictionary<string, FeatureKind>(StringComparer.Ordinal);
        foreach (var name in OutcomeColumnNames(spec).OfType<string>())
        {
            columns[name] = EffectInputs.KindOf(schema.Find(name) ?? throw new ModelSpecException("A column of this spec is no longer a column of its dataset."));
        }

        return columns;
    }

    private static string?[] OutcomeColumnNames(ModelSpec spec) =>
        [spec.Treatment?.Column, spec.Outcome?.Column, spec.Outcome?.Time, spec.Outcome?.Event, spec.Effects?.Cluster, spec.Effects?.Truth];

    public TrainedModel Train(TrainingRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var clock = Stopwatch.StartNew();
        var spec = request.Spec;
        var run = Estimate(spec, request.Schema, request.Table);
        var manifest = new ModelManifest
        {
            Model = spec.Name,
            Version = request.Version,
            Task = Task,
            Trainer = spec.Trainer.Name,
            Featurizer = run.Featurizer,
            TrainedAt = request.Now,
            CodeVersion = request.CodeVersion,
            Spec = ModelManifest.SpecElement(spec),
        };
        var rows = run.Rows;
        var leftOut = rows.Counts.NoArm + rows.Counts.NoOutcome + rows.Counts.CensoredBeforeHorizon;
        if (run.Fit is not { Estimated: true } fit)
        {
            return Refused(manifest, run, spec, clock, leftOut);
        }

        var report = fit.Report!;
        var model = fit.Model!;
        var kept = Enumerable.Range(0, rows.Rows.Length).Where(i => fit.OutOfFold!.Kept[i]).ToArray();
        var chosen = report.Learners.Single(l => l.Learner == run.Options.Learner);
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            [QiniMetric] = chosen.Qini.Coefficient.Value,
            ["qiniLower"] = chosen.Qini.Coefficient.Lower,
            ["qiniUpper"] = chosen.Qini.Coefficient.Upper,
            ["ate"] = report.Ate.Value,
            ["ateLower"] = report.Ate.Lower,
            ["ateUpper"] = report.Ate.Upper,
            ["unadjustedAte"] = report.UnadjustedAte.Value,
            ["calibrationSlope"] = chosen.CalibrationSlope.Value,
            ["policyTreatedShare"] = report.Policy.TreatedShare,
            ["policyVsTreatAll"] = report.Policy.VersusTreatAll.Value,
            ["policyVsTreatNone"] = report.Policy.VersusTreatNone.Value,
            ["subgroups"] = report.Subgroups.Leaves.Count,
            ["analysedRows"] = rows.Rows.Length,
            ["keptRows"] = report.KeptRows,
        };
        if (chosen.Pehe is { } pehe)
        {
            metrics[PeheMetric] = pehe;
        }

        if (rows.KaplanMeier is { } km)
        {
            metrics["kaplanMeierRiskDifference"] = km.Difference.Value;
        }

        var sign = run.Definition.Direction == OutcomeDirection.HigherIsBetter ? 1 : -1;
        var trained = new TrainedModel
        {
            Bundle = new ModelBundle(manifest.WithParameters(new TreatmentEffectParameters(run.Definition, rows.Counts, model.Parameters, null)), new MLContext(spec.Validation.Seed), model.BundledModels()),
            Metrics = metrics,
            CardSections = Sections(spec, run.Options, run.Definition, rows, fit),
            Evaluation = Evaluation(run.Options, report, chosen, run.Definition.Kind, OutcomeModelEvents(rows, kept, run.Definition.Kind), run.Featurizer.Width),
            Holdout = run.Analysed.Select(kept),
            TrainRows = kept.Length,
            RowsWithoutOutcome = leftOut,
            TrainSeconds = clock.Elapsed.TotalSeconds,
        };
        _evaluations.AddOrUpdate(trained, new CandidateEvaluation(
            [.. kept.Select(i => rows.Rows[i])], [.. kept.Select(i => sign * fit.OutOfFold!.PseudoOutcome[i])],
            rows.Clusters is { } c ? [.. kept.Select(i => c[i])] : null, rows.Truth is { } t ? [.. kept.Select(i => t[i])] : null, run.Definition));
        return trained;
    }

    /// <summary>One estimation of a spec on a training table: the rows, the featurizer, and the fit (null when refused before fitting).</summary>
    private sealed record EstimationRun(
        EffectDefinition Definition, EffectRows Rows, TrainingTable Analysed, Featurizer Featurizer, EffectOptions Options, EffectFit? Fit, string? RefusedBeforeFit);

    /// <summary>Rows, featurization and the effect core's fit for <paramref name="spec"/> (docs/treatment-effects.md, "Training").</summary>
    private static EstimationRun Estimate(ModelSpec spec, CuratedSchema schema, TrainingTable table)
    {
        var definition = EffectInputs.Define(spec, schema);
        var rows = EffectInputs.Rows(spec, schema, table);
        var analysed = table.Select(rows.Rows);
        var features = spec.Features.Select(f => (Spec: f, Kind: ModelSpecReader.KindOf(f, schema), Column: schema.Find(f.Name))).ToList();
        var options = Options(spec, definition, rows.Rows.Length);
        var featurizer = Featurizer.Fit(rows.Rows.Length > 0 ? analysed : table, [.. features.Select(f => (f.Spec, f.Kind, f.Column))], standardize: false);

        // Too few rows in an arm to featurize and cross-fit: refused before fitting, as the estimator would refuse it.
        var treatedRows = rows.Treated.Count(x => x);
        if (treatedRows < options.MinArmRows || rows.Rows.Length - treatedRows < options.MinArmRows)
        {
            return new EstimationRun(definition, rows, analysed, featurizer, options, null,
                $"too few rows in an arm: {treatedRows} treated, {rows.Rows.Length - treatedRows} control with an outcome (at least {options.MinArmRows} each are needed)");
        }

        var data = new EffectData
        {
            Features = featurizer.Transform(analysed),
            Width = featurizer.Width,
            SlotNames = featurizer.SlotNames,
            Treated = rows.Treated,
            Outcome = rows.Outcome,
            Columns = [.. features.Select(f => RuleColumn(f.Spec.Name, f.Kind, f.Column?.Unit, analysed))],
            Clusters = rows.Clusters,
            TrueEffects = rows.Truth,
        };
        return new EstimationRun(definition, rows, analysed, featurizer, options, EffectEstimator.Fit(data, options), null);
    }

    /// <summary>How the version was evaluated, in the registry's and the card's common terms.</summary>
    private static EvaluationSummary Evaluation(EffectOptions options, EffectReport report, LearnerEvaluation chosen, OutcomeKind kind, long outcomeEvents, int parameters)
    {
        var warnings = new List<string>();
        var eventsPerParameter = (double)outcomeEvents / Math.Max(1, parameters);
        var unit = kind == OutcomeKind.Binary ? "outcome events of the smaller arm" : "rows of the smaller arm";
        if (SupervisedEvaluation.FewEventsPerParameterWarning(eventsPerParameter, unit, parameters) is { } few)
        {
            warnings.Add(few);
        }

        var smallestArm = Math.Min(report.TreatedRows, report.ControlRows);
        if (smallestArm < 100)
        {
            warnings.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"{smallestArm} rows in the smaller arm: per-patient effects, subgroups and the Qini are imprecise (expect few leaves and intervals that include 0)"));
        }

        var metrics = new Dictionary<string, MetricEstimate>(StringComparer.Ordinal)
        {
            [QiniMetric] = new(chosen.Qini.Coefficient.Value, null, chosen.Qini.Coefficient.Lower, chosen.Qini.Coefficient.Upper),
            ["ate"] = new(report.Ate.Value, null, report.Ate.Lower, report.Ate.Upper),
            ["calibrationSlope"] = new(chosen.CalibrationSlope.Value, null, chosen.CalibrationSlope.Lower, chosen.CalibrationSlope.Upper),
        };
        if (chosen.Pehe is { } pehe)
        {
            metrics[PeheMetric] = new(pehe);
        }

        return new EvaluationSummary("cross-fitting", report.KeptRows, options.Folds, null, kind == OutcomeKind.Binary ? outcomeEvents : null, null, Math.Round(eventsPerParameter, 2), metrics, warnings,
            $"cross-fitting in two halves of {options.Folds} folds: every row's effect is estimated by models that never saw it; intervals are 95% influence-function intervals; the served models are refit on all {report.KeptRows} kept rows");
    }

    /// <summary>
    /// The events behind the weaker of the two per-arm outcome models (each is fit on its own arm): in the smaller
    /// count over the arms' kept rows, the rarer outcome's rows for a binary outcome, the rows for a continuous one.
    /// Divided by the feature slots it is the version's events per parameter, in the same sense as a classifier's.
    /// </summary>
    private static long OutcomeModelEvents(EffectRows rows, int[] kept, OutcomeKind kind)
    {
        long InArm(bool treated)
        {
            double[] outcomes = [.. kept.Where(i => rows.Treated[i] == treated).Select(i => rows.Outcome[i])];
            return kind == OutcomeKind.Binary ? SupervisedEvaluation.Minority(outcomes) : outcomes.Length;
        }

        return Math.Min(InArm(treated: true), InArm(treated: false));
    }

    /// <summary>A refused estimate: a rejected version whose card says why, with the overlap report when there is one, and no model.</summary>
    private static TrainedModel Refused(ModelManifest manifest, EstimationRun run, ModelSpec spec, Stopwatch clock, int leftOut)
    {
        var overlap = run.Fit?.Overlap;
        var reason = run.Fit?.RefusalReason ?? run.RefusedBeforeFit!;
        var rows = run.Rows;
        var sections = new List<CardSection>
        {
            new TreatmentEffectSection(run.Definition, spec.Design!, Estimator(run.Options.Learner), run.Options.Folds, rows.Counts, overlap?.KeptRows ?? 0,
                rows.Treated.Count(x => x), rows.Treated.Count(x => !x), 0, null, null, null, rows.KaplanMeier, reason),
        };
        if (overlap is not null)
        {
            sections.Add(OverlapSection.From(overlap));
        }

        return new TrainedModel
        {
            Bundle = new ModelBundle(manifest.WithParameters(new TreatmentEffectParameters(run.Definition, rows.Counts, null, reason)), new MLContext(0), new Dictionary<string, BundledModel>()),
            Metrics = new Dictionary<string, double>(StringComparer.Ordinal)
            {
                ["analysedRows"] = rows.Rows.Length,
                ["trimmedRows"] = overlap is null ? 0 : overlap.TrimmedTreated + overlap.TrimmedControl,
            },
            CardSections = sections,
            Refusal = reason,
            Holdout = run.Analysed,
            TrainRows = 0,
            RowsWithoutOutcome = leftOut,
            TrainSeconds = clock.Elapsed.TotalSeconds,
        };
    }

    private static List<CardSection> Sections(ModelSpec spec, EffectOptions options, EffectDefinition definition, EffectRows rows, EffectFit fit)
    {
        var r = fit.Report!;
        var chosen = r.Learners.Single(l => l.Learner == options.Learner);
        var calibration = chosen.Calibration.Where(g => g.Rows >= EffectCard.MinGroupRows).ToList();
        return
        [
            new TreatmentEffectSection(definition, spec.Design!, Estimator(options.Learner), options.Folds, rows.Counts, r.KeptRows, r.TreatedRows, r.ControlRows,
                r.Units, r.Ate, r.UnadjustedAte, r.UnadjustedAteAllRows, rows.KaplanMeier, null),
            OverlapSection.From(fit.Overlap),
            new EstimatorComparisonSection([.. r.Learners.Select(l => new LearnerComparison(
                l.Learner, l.Learner == options.Learner, l.MeanPredictedEffect, l.SdPredictedEffect, l.Qini.Coefficient, l.CalibrationSlope, l.Pehe))]),
            new BenefitSubgroupsSection(r.Subgroups.Leaves, r.Ate, r.Subgroups.PruningAlpha, definition.Direction),
            new TreatmentPolicySection(r.Policy, definition.Direction),
            new QiniSection(chosen.Learner, chosen.Qini.Coefficient, chosen.Qini.Curve),
            new EffectCalibrationSection(chosen.Learner, chosen.CalibrationSlope, calibration, chosen.Calibration.Count - calibration.Count),
        ];
    }

    private static string Estimator(EffectLearner learner) => learner == EffectLearner.TLearner ? "t-learner" : "dr-learner";

    /// <summary>The estimator's options from the spec (defaults: docs/treatment-effects.md, "Model spec").</summary>
    internal static EffectOptions Options(ModelSpec spec, EffectDefinition definition, int analysedRows)
    {
        var effects = spec.Effects ?? new EffectsSpec();
        var t = spec.Trainer;
        var outcome = new BoosterOptions();
        return new EffectOptions
        {
            Learner = spec.Estimator == "t-learner" ? EffectLearner.TLearner : EffectLearner.DRLearner,
            Design = spec.Design == "observational" ? EffectDesign.Observational : EffectDesign.Randomized,
            KnownPropensity = spec.Propensity,
            Outcome = definition.Kind,
            Direction = definition.Direction,
            Folds = effects.Folds,
            Seed = spec.Validation.Seed,
            TrimAlpha = effects.TrimAlpha,
            MaxTrimmedShare = effects.MaxTrimmedShare,
            PolicyThreshold = effects.PolicyThreshold,

            // Groups of at least 30 rows where the data allow (the card omits smaller ones), at most 5.
            CalibrationGroups = Math.Clamp(analysedRows / EffectCard.MinGroupRows, 2, 5),
            OutcomeModel = outcome with
            {
                NumberOfLeaves = t.NumberOfLeaves ?? outcome.NumberOfLeaves,
                NumberOfIterations = t.NumberOfIterations ?? outcome.NumberOfIterations,
                LearningRate = t.LearningRate ?? outcome.LearningRate,
                MinimumExampleCountPerLeaf = t.MinimumExampleCountPerLeaf ?? outcome.MinimumExampleCountPerLeaf,
                L2Regularization = t.L2Regularization ?? outcome.L2Regularization,
            },
        };
    }

    /// <summary>A feature's raw column for the subgroup rules: numbers in the contract's unit, categories, booleans as true/false.</summary>
    private static EffectColumn RuleColumn(string name, FeatureKind kind, string? unit, TrainingTable table) => kind switch
    {
        FeatureKind.Categorical => EffectColumn.OfCategories(name, table.Categorical[name]),
        FeatureKind.Boolean => EffectColumn.OfCategories(name, [.. table.Numeric[name].Select(v => double.IsFinite(v) ? (v > 0.5 ? "true" : "false") : null)]),
        _ => EffectColumn.OfNumbers(name, unit, table.Numeric[name]),
    };

    /// <summary>
    /// The champion's promotion metric on the candidate's cross-fitted evaluation, never from a model that saw the rows it
    /// scores (docs/treatment-effects.md, "Training"). Same spec (new data only): training is deterministic, so re-running
    /// it would reproduce the candidate's value, which is returned. Another spec: the champion's stored spec is re-run by
    /// cross-fitting on the candidate's rows, and its out-of-fold effects rank the candidate's kept rows against the
    /// candidate's out-of-fold pseudo-outcomes (Qini) or are compared with the truth (PEHE). Null when the champion has no
    /// stored spec, estimates another effect (arms, outcome, direction), needs columns the data lack, is refused on these
    /// rows or keeps other rows (another design or trimming).
    /// </summary>
    public ChampionScore? ScoreChampion(ModelBundle champion, TrainingRequest request, TrainedModel candidate)
    {
        ArgumentNullException.ThrowIfNull(champion);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(candidate);
        var metric = request.Spec.Promotion.Metric;
        if (champion.Manifest.Task != Task || !_evaluations.TryGetValue(candidate, out var evaluation)
            || champion.Manifest.StoredSpec() is not { Task: ModelTask.TreatmentEffect } championSpec)
        {
            return null;
        }

        if (championSpec.Hash == request.Spec.Hash)
        {
            return candidate.Metrics.TryGetValue(metric, out var same) ? new ChampionScore(same) : null;
        }

        string?[] needed = [.. championSpec.Features.Select(f => f.Name), .. OutcomeColumnNames(championSpec)];
        if (needed.OfType<string>().Any(c => request.Schema.Find(c) is null || (!request.Table.Numeric.ContainsKey(c) && !request.Table.Categorical.ContainsKey(c)))
            || ModelSpecReader.Validate(championSpec, request.Schema).Count > 0
            || EffectInputs.Define(championSpec, request.Schema) != evaluation.Definition)
        {
            return null;
        }

        var rerun = Estimate(championSpec, request.Schema, request.Table);
        if (rerun.Fit is not { Estimated: true } fit)
        {
            return null;
        }

        var keptRows = Enumerable.Range(0, rerun.Rows.Rows.Length).Where(i => fit.OutOfFold!.Kept[i]).ToArray();
        if (!keptRows.Select(i => rerun.Rows.Rows[i]).SequenceEqual(evaluation.TableRows))
        {
            return null;
        }

        var tau = rerun.Options.Learner == EffectLearner.TLearner ? fit.OutOfFold!.TLearner : fit.OutOfFold!.DRLearner;
        var effects = keptRows.Select(i => tau[i]).ToArray();
        if (metric == PeheMetric)
        {
            return evaluation.Truth is null ? null : new ChampionScore(EffectMath.Pehe(effects, evaluation.Truth));
        }

        var sign = evaluation.Definition.Direction == OutcomeDirection.HigherIsBetter ? 1 : -1;
        return new ChampionScore(EffectMath.Qini([.. effects.Select(e => sign * e)], evaluation.BenefitScores, evaluation.Clusters).Coefficient.Value);
    }

    public ITaskPredictor CreatePredictor(ModelBundle bundle) => new TreatmentEffectPredictor(bundle);

    /// <param name="TableRows">The kept rows, as indices into the run's training table.</param>
    /// <param name="BenefitScores">Out-of-fold AIPW pseudo-outcomes × direction, per kept row.</param>
    private sealed record CandidateEvaluation(int[] TableRows, double[] BenefitScores, int[]? Clusters, double[]? Truth, EffectDefinition Definition);
}
