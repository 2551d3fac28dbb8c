using HealthAnalytics.Contracts;
using HealthAnalytics.Curated;
using HealthAnalytics.Serving;
using HealthAnalytics.Training.Survival;

namespace HealthAnalytics.Training;

/// <summary>
/// Time-to-event outcomes (docs/survival.md): a follow-up time and an event indicator with censoring, a penalized Cox
/// model or a boosted discrete-time hazard model, held-out C-indices, integrated Brier score and calibration, survival
/// curves per group on the card, and predictions of S(t) at horizons.
/// </summary>
internal sealed class SurvivalTask : IModelTask
{
    public ModelTask Task => ModelTask.Survival;

    public IReadOnlyList<string> Trainers { get; } = [SurvivalLearner.Cox, SurvivalLearner.Boosted];

    public IReadOnlyDictionary<string, bool> PromotionMetrics { get; } = new Dictionary<string, bool>(StringComparer.Ordinal)
    {
        ["cIndex"] = true,
        ["unoC"] = true,
        ["ibs"] = false,
    };

    public bool UsesSubgroups => true;

    public Type PredictionType => typeof(SurvivalPrediction);

    public void Validate(ModelSpec spec, CuratedSchema? schema, Action<string, string> error)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(error);
        if (spec.Label is not null)
        {
            error("$.label", "is not used by survival (the outcome is survival.time and survival.event)");
        }

        if (spec.Trainer.Ties is not (null or "efron" or "breslow"))
        {
            error("$.trainer.ties", "must be efron or breslow");
        }

        if (spec.Trainer.Intervals is < 1 or > 100)
        {
            error("$.trainer.intervals", "must be between 1 and 100");
        }

        if (spec.Trainer.L2Regularization is < 0)
        {
            error("$.trainer.l2Regularization", "must be at least 0");
        }

        if (spec.Survival is not { } s)
        {
            error("$.survival", "is required for survival: time, event and horizons");
            return;
        }

        if (s.Horizons.Count is 0 or > SurvivalHorizons.Max)
        {
            error("$.survival.horizons", $"give 1 to {SurvivalHorizons.Max} horizons");
        }

        for (var i = 0; i < s.Horizons.Count; i++)
        {
            if (!double.IsFinite(s.Horizons[i]) || s.Horizons[i] <= 0)
            {
                error($"$.survival.horizons[{i}]", "must be a positive number");
            }
            else if (i > 0 && s.Horizons[i] <= s.Horizons[i - 1])
            {
                error($"$.survival.horizons[{i}]", "must be larger than the horizon before it");
            }
        }

        if (s.Time == s.Event.Column)
        {
            error("$.survival.event.column", "must differ from the time column");
        }

        for (var i = 0; i < spec.Features.Count; i++)
        {
            if (spec.Features[i].Name == s.Time || spec.Features[i].Name == s.Event.Column)
            {
                error($"$.features[{i}].name", "the outcome's time or event column cannot be a feature");
            }
        }

        if (schema is null)
        {
            return;
        }

        var time = schema.Find(s.Time);
        if (time is null || time.Dropped || time.Privacy is PrivacyRole.Identifier or PrivacyRole.Direct || time.Type is not (ColumnType.Integer or ColumnType.Number))
        {
            error("$.survival.time", "must be an integer or number column of the dataset (not an identifier)");
        }
        else if (s.TimeUnit is null && string.IsNullOrEmpty(time.Unit))
        {
            error("$.survival.timeUnit", "is required: the time column has no unit in the contract");
        }
        else if (s.TimeUnit is not null && !string.IsNullOrEmpty(time.Unit) && !string.Equals(s.TimeUnit, time.Unit, StringComparison.Ordinal))
        {
            error("$.survival.timeUnit", "must equal the time column's unit in the contract (or be left out)");
        }

        var column = schema.Find(s.Event.Column);
        if (column is null || column.Dropped || column.Privacy is PrivacyRole.Identifier or PrivacyRole.Direct
            || column.Type is not (ColumnType.Integer or ColumnType.Number or ColumnType.Boolean or ColumnType.Category or ColumnType.String))
        {
            error("$.survival.event.column", "must be an integer, number, boolean, category or string column of the dataset (not an identifier)");
            return;
        }

        var values = s.Event.Values ?? [];
        if (values.Count == 0 && column.Type != ColumnType.Boolean)
        {
            error("$.survival.event.values", "give the values that mean the event happened");
        }

        // The values are checked as binary labels' positive values are (the contract's normalization must accept each:
        // a category or one of its aliases, a number in range, a boolean word); only those findings apply here.
        if (values.Count > 0)
        {
            Outcomes.Validate(spec, SurvivalOutcome.EventLabel(s.Event), schema, binary: true, (path, message) =>
            {
                if (path.StartsWith("$.label.positive[", StringComparison.Ordinal))
                {
                    error("$.survival.event.values" + path["$.label.positive".Length..], message);
                }
            });
        }
    }

    public IReadOnlyDictionary<string, FeatureKind> OutcomeColumns(ModelSpec spec, CuratedSchema schema)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(schema);
        var s = spec.Survival ?? throw new ModelSpecException("A survival spec needs its survival member.");
        var column = schema.Find(s.Event.Column) ?? throw new ModelSpecException("The survival spec's event column is no longer a column of its dataset.");
        return new Dictionary<string, FeatureKind>(StringComparer.Ordinal)
        {
            [s.Time] = FeatureKind.Numeric,
            [s.Event.Column] = SurvivalOutcome.EventKind(column),
        };
    }

    public TrainedModel Train(TrainingRequest request) => SurvivalEvaluation.Run(request);

    public ChampionScore? ScoreChampion(ModelBundle champion, TrainingRequest request, TrainedModel candidate) =>
        SurvivalEvaluation.ScoreChampion(champion, request, candidate);

    public ITaskPredictor CreatePredictor(ModelBundle bundle) => new SurvivalPredictor(bundle);
}
