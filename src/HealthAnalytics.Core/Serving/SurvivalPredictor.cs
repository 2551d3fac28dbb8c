using HealthAnalytics.Training;
using HealthAnalytics.Training.Survival;
using Microsoft.ML;
using Microsoft.ML.Calibrators;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.LightGbm;

namespace HealthAnalytics.Serving;

/// <summary>Predicted survival probability at one time.</summary>
public sealed record SurvivalPoint(double Time, double Probability);

/// <summary>
/// One survival prediction (docs/survival.md, "Prediction").
/// </summary>
/// <param name="Risk">Higher = earlier events. Cox: the linear predictor β·(x − x̄) (log relative hazard against a row at the
/// training means); boosted: the cumulative hazard −log S(τ) at the model's risk horizon τ.</param>
/// <param name="Survival">S(t) at each horizon asked (the request's, else the spec's), in that order.</param>
/// <param name="MedianTime">The first time predicted S(t) ≤ 0.5, null when S stays above 0.5 within follow-up.</param>
/// <param name="TimeUnit">Unit of every time of this prediction.</param>
/// <param name="Contributions">Top 5 input features by absolute share of the risk (positive = earlier events).</param>
public sealed record SurvivalPrediction(double Risk, IReadOnlyList<SurvivalPoint> Survival, double? MedianTime, string TimeUnit, IReadOnlyList<FeatureContribution> Contributions) : Prediction;

/// <summary>
/// Survival predictions of a stored Cox or boosted model: risk, S(t) at horizons, median time and contributions. Cox is
/// plain arithmetic on immutable parameters; the boosted model's hazard model runs in pooled ML.NET prediction engines
/// (one engine per call, not thread-safe on its own) with feature contribution calculation appended.
/// </summary>
internal sealed class SurvivalPredictor : ITaskPredictor
{
    private const int TopContributions = 5;
    private readonly FittedSurvivalModel _model;
    private readonly int[] _slotToFeature;
    private readonly EnginePool<PersonPeriodRow, HazardExplained>? _engines;

    public SurvivalPredictor(ModelBundle bundle)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        _model = FittedSurvivalModel.FromBundle(bundle);
        _slotToFeature = _model.Featurizer.SlotToFeature();
        if (_model.Model is BoostedSurvivalModel boosted)
        {
            var transformer = WithContributions(boosted);
            HasContributions = transformer is not null;
            ITransformer scoring = transformer is null ? boosted.Transformer : transformer;
            var schema = BoostedSurvivalModel.RowSchema(boosted.Parameters.Width + 1);
            _engines = new(() => boosted.Ml.Model.CreatePredictionEngine<PersonPeriodRow, HazardExplained>(scoring, ignoreMissingColumns: true, inputSchemaDefinition: schema));
        }
        else
        {
            HasContributions = true;
        }
    }

    public bool HasContributions { get; }

    public bool TakesHorizons => true;

    public Prediction Predict(IReadOnlyDictionary<string, object?> instance) => Predict(instance, PredictionOptions.None);

    public Prediction Predict(IReadOnlyDictionary<string, object?> instance, PredictionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var width = _model.Featurizer.Width;
        var row = new float[width];
        _model.Featurizer.Transform(instance, row);
        var horizons = options.Horizons ?? _model.Parameters.Horizons;
        return _model.Model switch
        {
            CoxModel cox => PredictCox(cox, row, horizons),
            BoostedSurvivalModel boosted => PredictBoosted(boosted, row, horizons),
            _ => throw new InvalidDataException("Unknown survival model."),
        };
    }

    private SurvivalPrediction PredictCox(CoxModel cox, float[] row, IReadOnlyList<double> horizons)
    {
        var lp = cox.LinearPredictor(row);
        var survival = horizons.Select(t => new SurvivalPoint(t, Math.Round(cox.SurvivalFromLinearPredictor(lp, t), 6))).ToList();
        return new SurvivalPrediction(Math.Round(lp, 6), survival, cox.MedianSurvivalTime(row), _model.Parameters.TimeUnit, Top(cox.Contributions(row)));
    }

    private SurvivalPrediction PredictBoosted(BoostedSurvivalModel boosted, float[] row, IReadOnlyList<double> horizons)
    {
        var width = boosted.Parameters.Width;
        var intervals = boosted.Parameters.Boundaries.Length - 1;
        var hazards = new float[intervals];
        var slots = new double[width];
        var explained = 0;
        for (var j = 0; j < intervals; j++)
        {
            var input = new PersonPeriodRow { Features = new float[width + 1], Weight = 1 };
            row.CopyTo(input.Features, 0);
            input.Features[width] = j;
            var score = _engines!.Predict(input);
            hazards[j] = Math.Clamp(score.Probability, 1e-7f, 1 - 1e-7f);
            if (HasContributions && score.FeatureContributions.Length == width + 1)
            {
                // Contributions to the log-odds of this interval's hazard; the interval slot itself is not an input.
                for (var s = 0; s < width; s++)
                {
                    slots[s] += score.FeatureContributions[s];
                }

                explained++;
            }
        }

        // Averaged over the intervals: a feature's mean push on the hazard across follow-up.
        var contributions = explained > 0 ? Top([.. slots.Select(x => x / explained)]) : [];
        var survival = horizons.Select(t => new SurvivalPoint(t, Math.Round(Math.Exp(boosted.LogSurvival(hazards, t)), 6))).ToList();
        var risk = -boosted.LogSurvival(hazards, boosted.Parameters.RiskHorizon);
        var median = boosted.MedianSurvivalTime(hazards);
        return new SurvivalPrediction(Math.Round(risk, 6), survival, median is { } m ? Math.Round(m, 6) : null, _model.Parameters.TimeUnit, contributions);
    }

    /// <summary>Slot values summed back onto input features, the largest five by absolute value.</summary>
    private List<FeatureContribution> Top(double[] slots)
    {
        var features = _model.Featurizer.Features;
        var sums = new double[features.Count];
        for (var s = 0; s < slots.Length && s < _slotToFeature.Length; s++)
        {
            sums[_slotToFeature[s]] += slots[s];
        }

        return [.. sums.Select((w, f) => new FeatureContribution(features[f].Name, Math.Round(w, 6)))
            .Where(c => c.Weight != 0).OrderByDescending(c => Math.Abs(c.Weight)).ThenBy(c => c.Feature, StringComparer.Ordinal).Take(TopContributions)];
    }

    /// <summary>The hazard model followed by ML.NET's feature contribution calculation (raw log-odds contributions, not
    /// normalized, so they can be averaged over intervals), when the model's parameters support it.</summary>
    private static TransformerChain<Microsoft.ML.Transforms.FeatureContributionCalculatingTransformer>? WithContributions(BoostedSurvivalModel boosted)
    {
        var model = boosted.Transformer;
        var last = model is TransformerChain<ITransformer> chain ? chain.LastTransformer : model;
        if (last is not ISingleFeaturePredictionTransformer<CalibratedModelParametersBase<LightGbmBinaryModelParameters, PlattCalibrator>> lightGbm)
        {
            return null;
        }

        var width = boosted.Parameters.Width + 1;
        var fcc = boosted.Ml.Transforms.CalculateFeatureContribution(lightGbm, width, width, normalize: false);
        var empty = boosted.Ml.Data.LoadFromEnumerable(Array.Empty<PersonPeriodRow>(), BoostedSurvivalModel.RowSchema(width));
        return model.Append(fcc.Fit(model.Transform(empty)));
    }

    private sealed class HazardExplained
    {
        public float Probability { get; set; }
        public float[] FeatureContributions { get; set; } = [];
    }
}
