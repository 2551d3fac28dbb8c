using System.Text.Json;
using System.Text.Json.Serialization;

namespace HealthAnalytics.Training.Effects;

/// <summary>A raw column the subgroup rules read at prediction time.</summary>
public sealed record EffectModelColumn(string Name, string? Unit, bool Numeric);

/// <summary>
/// Everything of a fitted effect model except the ML.NET models: JSON-serializable (<see cref="EffectModel.JsonOptions"/>),
/// stored beside the model bytes of each learner.
/// </summary>
public sealed record EffectModelParameters
{
    public required EffectLearner Learner { get; init; }
    public required EffectDesign Design { get; init; }
    public required OutcomeKind Outcome { get; init; }
    public required OutcomeDirection Direction { get; init; }
    public required int Width { get; init; }
    public required IReadOnlyList<string> SlotNames { get; init; }
    public required IReadOnlyList<EffectModelColumn> Columns { get; init; }
    public required SubgroupTree Tree { get; init; }
    public required double PolicyThreshold { get; init; }
    public required Estimate Ate { get; init; }
    public required string PropensitySource { get; init; }
    public required double TrimAlpha { get; init; }
    public required int TrainedRows { get; init; }
    public required int Folds { get; init; }
    public required int Seed { get; init; }

    /// <summary>Prediction of each model that is a constant (too few rows for LightGBM); ignored otherwise.</summary>
    public required IReadOnlyDictionary<string, double> Constants { get; init; }
}

/// <summary>
/// One patient's prediction. <see cref="Interval"/> is the honest 95% interval of the average effect in the patient's
/// benefit subgroup (the tree leaf, estimated on rows that chose no split), not an interval for this one patient's
/// effect, which no method can estimate from one outcome per patient.
/// </summary>
public sealed record EffectPrediction(
    double ControlOutcome, double TreatedOutcome, double Effect, double Benefit, Estimate Interval, int Subgroup, string Rule,
    string Verdict, bool RecommendTreatment, double PolicyThreshold);

/// <summary>
/// The serving side of a fitted effect model: the outcome models μ0, μ1 and, for the DR-learner, the effect model τ, each
/// refitted on every kept row (docs/treatment-effects.md, "Serving models"), plus the parameters.
/// </summary>
public sealed class EffectModel
{
    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        WriteIndented = false,
    };

    private readonly Booster _mu0;
    private readonly Booster _mu1;
    private readonly Booster? _tau;

    internal EffectModel(EffectModelParameters parameters, Booster mu0, Booster mu1, Booster? tau)
    {
        Parameters = parameters;
        _mu0 = mu0;
        _mu1 = mu1;
        _tau = tau;
    }

    public EffectModelParameters Parameters { get; }

    /// <param name="features">The patient's feature vector (the same featurizer as training, <see cref="EffectModelParameters.Width"/> floats).</param>
    /// <param name="raw">Raw values by column name for the subgroup rules (double/int, string, or null = missing).</param>
    public EffectPrediction Predict(ReadOnlySpan<float> features, IReadOnlyDictionary<string, object?> raw)
    {
        ArgumentNullException.ThrowIfNull(raw);
        if (features.Length != Parameters.Width)
        {
            throw new ArgumentException($"Expected {Parameters.Width} feature values.", nameof(features));
        }

        // The outcomes and the effect agree (treated = control + effect): the control-arm model gives the baseline, the
        // chosen learner the difference. For the DR-learner the treated outcome is therefore μ0 + τ, not μ1, whose
        // difference with μ0 is the T-learner's effect; a binary outcome's τ is clipped so that it stays a probability.
        var control = _mu0.Predict(features);
        double effect;
        if (_tau is null)
        {
            effect = _mu1.Predict(features) - control;
        }
        else
        {
            effect = _tau.Predict(features);
            if (Parameters.Outcome == OutcomeKind.Binary)
            {
                effect = Math.Clamp(effect, -control, 1 - control);
            }
        }

        var treated = control + effect;

        var sign = Parameters.Direction == OutcomeDirection.HigherIsBetter ? 1 : -1;
        var leafId = Parameters.Tree.Route(raw);
        var leaf = Parameters.Tree.Leaves.First(l => l.Id == leafId);
        return new EffectPrediction(control, treated, effect, sign * effect, leaf.Effect, leaf.Id, leaf.Rule, leaf.Verdict,
            sign * effect > Parameters.PolicyThreshold, Parameters.PolicyThreshold);
    }

    /// <summary>ML.NET model bytes per learner (<c>mu0</c>, <c>mu1</c>, and <c>tau</c> for the DR-learner); empty for a constant model.</summary>
    public IReadOnlyDictionary<string, byte[]> SaveModels()
    {
        var models = new Dictionary<string, byte[]>(StringComparer.Ordinal) { ["mu0"] = _mu0.ToBytes(), ["mu1"] = _mu1.ToBytes() };
        if (_tau is not null)
        {
            models["tau"] = _tau.ToBytes();
        }

        return models;
    }

    public string SaveParameters() => JsonSerializer.Serialize(Parameters, JsonOptions);

    /// <summary>
    /// The non-constant models as named ML.NET models of a <see cref="ModelBundle"/> (<c>mu0</c>, <c>mu1</c>, <c>tau</c>);
    /// a constant model is its value in <see cref="EffectModelParameters.Constants"/>.
    /// </summary>
    public IReadOnlyDictionary<string, BundledModel> BundledModels()
    {
        var models = new Dictionary<string, BundledModel>(StringComparer.Ordinal);
        foreach (var booster in new[] { _mu0, _mu1, _tau })
        {
            if (booster?.Transformer is { } transformer)
            {
                models[booster.Name] = new BundledModel(transformer, booster.InputSchema);
            }
        }

        return models;
    }

    /// <summary>The model of a loaded bundle: its parameters and the named models of <see cref="BundledModels"/>.</summary>
    public static EffectModel FromBundle(EffectModelParameters parameters, Microsoft.ML.MLContext ml, IReadOnlyDictionary<string, BundledModel> models)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(models);
        var kind = parameters.Outcome == OutcomeKind.Binary ? BoosterKind.Classifier : BoosterKind.Regression;
        Booster Read(string name, BoosterKind k) =>
            Booster.FromTransformer(name, k, ml, models.GetValueOrDefault(name)?.Transformer, parameters.Constants.GetValueOrDefault(name), parameters.Width);
        var tau = parameters.Learner == EffectLearner.DRLearner ? Read("tau", BoosterKind.Regression) : null;
        return new EffectModel(parameters, Read("mu0", kind), Read("mu1", kind), tau);
    }

    /// <summary>The effect (treated − control, outcome units) of <paramref name="rows"/> of a feature matrix, in order.</summary>
    public double[] PredictEffects(float[] matrix, IReadOnlyList<int> rows)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        ArgumentNullException.ThrowIfNull(rows);
        // As Predict: μ1 − μ0 for the T-learner; τ for the DR-learner, for a binary outcome clipped to [−μ0, 1 − μ0].
        var control = _mu0.Predict(matrix, rows);
        var effects = _tau is not null ? _tau.Predict(matrix, rows) : _mu1.Predict(matrix, rows);
        for (var i = 0; i < effects.Length; i++)
        {
            effects[i] = _tau is null ? effects[i] - control[i]
                : Parameters.Outcome == OutcomeKind.Binary ? Math.Clamp(effects[i], -control[i], 1 - control[i])
                : effects[i];
        }

        return effects;
    }

    public static EffectModel Load(string parametersJson, IReadOnlyDictionary<string, byte[]> models)
    {
        ArgumentNullException.ThrowIfNull(models);
        var p = JsonSerializer.Deserialize<EffectModelParameters>(parametersJson, JsonOptions) ?? throw new InvalidDataException("Empty effect model parameters.");
        var kind = p.Outcome == OutcomeKind.Binary ? BoosterKind.Classifier : BoosterKind.Regression;
        Booster Read(string name, BoosterKind k) => Booster.FromBytes(name, k,
            models.TryGetValue(name, out var bytes) ? bytes : throw new InvalidDataException($"Model '{name}' is missing."), p.Constants.GetValueOrDefault(name), p.Width);
        var tau = p.Learner == EffectLearner.DRLearner ? Read("tau", BoosterKind.Regression) : null;
        return new EffectModel(p, Read("mu0", kind), Read("mu1", kind), tau);
    }
}
