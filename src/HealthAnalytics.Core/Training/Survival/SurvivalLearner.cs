using HealthAnalytics.Curated;
using Microsoft.ML;

namespace HealthAnalytics.Training.Survival;

/// <summary>
/// What a survival bundle stores besides its featurizer (<see cref="ModelManifest.Parameters"/>): the time unit and
/// default horizons of its spec, and either the Cox model (plain parameters, no ML.NET model) or the boosted model's
/// parameters (its hazard model is the bundle's ML.NET model <see cref="SurvivalLearner.HazardModel"/>).
/// </summary>
public sealed record SurvivalParameters
{
    public required string TimeUnit { get; init; }
    public required IReadOnlyList<double> Horizons { get; init; }
    public CoxModel? Cox { get; init; }
    public BoostedSurvivalParameters? Boosted { get; init; }
}

/// <summary>A fitted survival model with the featurizer its input goes through (a spec's trainer, ready to predict).</summary>
internal sealed class FittedSurvivalModel(Featurizer featurizer, ISurvivalModel model, SurvivalParameters parameters, string trainer)
{
    public Featurizer Featurizer { get; } = featurizer;
    public ISurvivalModel Model { get; } = model;
    public SurvivalParameters Parameters { get; } = parameters;
    public string Trainer { get; } = trainer;

    /// <summary>Risk and S(t) at <paramref name="horizons"/> for every row of <paramref name="rows"/>.</summary>
    public SurvivalPredictions Predict(TrainingTable rows, IReadOnlyList<double> horizons) =>
        Model.Predict(Featurizer.Transform(rows), Featurizer.Width, horizons);

    /// <summary>The bundle of a version: manifest with these parameters, plus the boosted model's hazard model.</summary>
    public ModelBundle ToBundle(ModelSpec spec, string version, string codeVersion, DateTimeOffset now)
    {
        var manifest = new ModelManifest
        {
            Model = spec.Name,
            Version = version,
            Task = ModelTask.Survival,
            Trainer = Trainer,
            Featurizer = Featurizer,
            TrainedAt = now,
            CodeVersion = codeVersion,
            Spec = ModelManifest.SpecElement(spec),
        }.WithParameters(Parameters);
        if (Model is BoostedSurvivalModel boosted)
        {
            return new ModelBundle(manifest, boosted.Ml, new Dictionary<string, BundledModel>(StringComparer.Ordinal)
            {
                [SurvivalLearner.HazardModel] = new(boosted.Transformer, boosted.InputSchema),
            });
        }

        return new ModelBundle(manifest, new MLContext(seed: 0), new Dictionary<string, BundledModel>(StringComparer.Ordinal));
    }

    /// <summary>The model of a stored survival bundle.</summary>
    public static FittedSurvivalModel FromBundle(ModelBundle bundle)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        if (bundle.Manifest.Task != ModelTask.Survival)
        {
            throw new InvalidDataException("model.zip is not a survival model.");
        }

        var parameters = bundle.Manifest.ParametersAs<SurvivalParameters>() ?? throw new InvalidDataException("model.zip has no survival parameters.");
        ISurvivalModel model = parameters switch
        {
            { Cox: { } cox } => cox,
            { Boosted: { } boosted } when bundle.Models.TryGetValue(SurvivalLearner.HazardModel, out var hazard) =>
                new BoostedSurvivalModel(boosted, bundle.Ml, hazard.Transformer),
            _ => throw new InvalidDataException("model.zip has neither a Cox model nor a boosted hazard model."),
        };
        return new FittedSurvivalModel(bundle.Manifest.Featurizer, model, parameters, bundle.Manifest.Trainer);
    }
}

/// <summary>Fits the trainer a survival spec names (<c>cox</c> or <c>boosted-survival</c>) with its options.</summary>
internal static class SurvivalLearner
{
    /// <summary>The bundle's ML.NET model of a boosted survival version: the discrete-time hazard model.</summary>
    public const string HazardModel = "hazard";

    public const string Cox = "cox";
    public const string Boosted = "boosted-survival";

    /// <summary>The spec's time unit: its own, else the contract's unit of the time column.</summary>
    public static string TimeUnit(ModelSpec spec, CuratedSchema schema) =>
        spec.Survival!.TimeUnit ?? schema.Find(spec.Survival.Time)?.Unit ?? "";

    /// <summary>Fits the featurizer (on these rows only) and the model; <paramref name="times"/> and
    /// <paramref name="events"/> are aligned with <paramref name="rows"/>.</summary>
    public static FittedSurvivalModel Fit(ModelSpec spec, CuratedSchema schema, TrainingTable rows, double[] times, bool[] events)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(rows);

        // No standardization: the Cox penalty is scaled by each slot's variance (scale-free), and trees split on raw values.
        var featurizer = Featurizer.Fit(rows, [.. spec.Features.Select(f => (f, ModelSpecReader.KindOf(f, schema), schema.Find(f.Name)))], standardize: false);
        var data = new SurvivalData(featurizer.Transform(rows), featurizer.Width, featurizer.SlotNames, times, events);
        var t = spec.Trainer;
        var parameters = new SurvivalParameters { TimeUnit = TimeUnit(spec, schema), Horizons = spec.Survival!.Horizons };
        if (t.Name == Boosted)
        {
            var defaults = new BoostedSurvivalOptions();
            var boosted = BoostedSurvivalTrainer.Fit(data, new BoostedSurvivalOptions
            {
                Intervals = t.Intervals ?? defaults.Intervals,
                NumberOfIterations = t.NumberOfIterations ?? defaults.NumberOfIterations,
                NumberOfLeaves = t.NumberOfLeaves ?? defaults.NumberOfLeaves,
                LearningRate = t.LearningRate ?? defaults.LearningRate,
                MinimumExampleCountPerLeaf = t.MinimumExampleCountPerLeaf ?? defaults.MinimumExampleCountPerLeaf,
                Seed = spec.Validation.Seed,
            });
            return new FittedSurvivalModel(featurizer, boosted, parameters with { Boosted = boosted.Parameters }, Boosted);
        }

        var coxDefaults = new CoxOptions();
        var cox = CoxTrainer.Fit(data, new CoxOptions
        {
            Ties = t.Ties == "breslow" ? CoxTies.Breslow : CoxTies.Efron,
            L2Penalty = t.L2Regularization ?? coxDefaults.L2Penalty,
            MaxIterations = t.MaximumIterations ?? coxDefaults.MaxIterations,
        });
        return new FittedSurvivalModel(featurizer, cox, parameters with { Cox = cox }, Cox);
    }
}
