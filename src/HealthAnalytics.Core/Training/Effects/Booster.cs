using HealthAnalytics.Serving;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.LightGbm;

namespace HealthAnalytics.Training.Effects;

/// <summary>ML.NET row types of the effect models: the featurizer's dense vector and a label.</summary>
internal sealed class EffectRegressionRow
{
    public float[] Features { get; set; } = [];
    public float Label { get; set; }
}

internal sealed class EffectBinaryRow
{
    public float[] Features { get; set; } = [];
    public bool Label { get; set; }
}

internal sealed class EffectScore
{
    public float Score { get; set; }
}

internal sealed class EffectProbability
{
    public float Probability { get; set; }
}

internal enum BoosterKind
{
    /// <summary>LightGBM binary classifier; predicts a probability.</summary>
    Classifier,

    /// <summary>LightGBM regression (L2); predicts a mean.</summary>
    Regression,
}

/// <summary>
/// One fitted nuisance or effect model: LightGBM through ML.NET the way the product trains (MLContext(seed), one
/// thread, deterministic), or a constant when the training rows cannot support a model (too few rows, one class).
/// <see cref="Lineage"/> is every row whose data reached the model, directly or through the targets it was fitted on.
/// </summary>
internal sealed class Booster
{
    /// <summary>Fewest rows a LightGBM fit is attempted on; below it the model is the training mean.</summary>
    public const int MinRowsForModel = 10;

    private readonly Lazy<EnginePool<EffectRegressionRow, EffectProbability>>? _probabilities;
    private readonly Lazy<EnginePool<EffectRegressionRow, EffectScore>>? _scores;

    private Booster(string name, BoosterKind kind, MLContext ml, ITransformer? transformer, double constant, int width)
    {
        Name = name;
        Kind = kind;
        Ml = ml;
        Transformer = transformer;
        Constant = constant;
        Width = width;
        if (transformer is not null)
        {
            // Serving: PredictionEngine is not thread-safe, so engines are pooled (created on first use).
            _probabilities = new(() => new(() => ml.Model.CreatePredictionEngine<EffectRegressionRow, EffectProbability>(transformer, ignoreMissingColumns: true, inputSchemaDefinition: Schema<EffectRegressionRow>(width))));
            _scores = new(() => new(() => ml.Model.CreatePredictionEngine<EffectRegressionRow, EffectScore>(transformer, ignoreMissingColumns: true, inputSchemaDefinition: Schema<EffectRegressionRow>(width))));
        }
    }

    public string Name { get; }
    public BoosterKind Kind { get; }
    public MLContext Ml { get; }
    public ITransformer? Transformer { get; }

    /// <summary>The prediction when <see cref="Transformer"/> is null.</summary>
    public double Constant { get; }
    public int Width { get; }
    public int[]? Lineage { get; set; }

    /// <summary>A model that predicts one value (a known propensity, an arm share).</summary>
    public static Booster ConstantOf(string name, BoosterKind kind, double value, int width) => new(name, kind, new MLContext(0), null, value, width);

    public static Booster Fit(string name, BoosterKind kind, BoosterOptions options, int seed, float[] matrix, int width, IReadOnlyList<int> rows, Func<int, double> label)
    {
        var ml = new MLContext(seed);
        var mean = rows.Count == 0 ? 0 : rows.Average(r => label(r));
        var oneClass = kind == BoosterKind.Classifier && (mean <= 0 || mean >= 1);
        if (rows.Count < MinRowsForModel || oneClass)
        {
            return new Booster(name, kind, ml, null, mean, width);
        }

        // Small data (a trial arm of 40 rows) gets leaves of a tenth of the rows, never fewer than 10, never more than
        // configured: the configured size alone would leave a small trial with constant models.
        var minLeaf = Math.Clamp(rows.Count / 10, 10, Math.Max(10, options.MinimumExampleCountPerLeaf));
        if (rows.Count < 2 * minLeaf)
        {
            return new Booster(name, kind, ml, null, mean, width);
        }

        var lgbm = new LightGbmBinaryTrainer.Options
        {
            NumberOfLeaves = options.NumberOfLeaves,
            NumberOfIterations = options.NumberOfIterations,
            LearningRate = options.LearningRate,
            MinimumExampleCountPerLeaf = minLeaf,
            Booster = new GradientBooster.Options { L2Regularization = options.L2Regularization },
            Seed = seed,
            Deterministic = true,
            NumberOfThreads = 1, // as the product: one thread is bit-reproducible and does not spin on a busy host
            Silent = true,
            Verbose = false,
        };
        ITransformer transformer;
        try
        {
            transformer = kind == BoosterKind.Classifier ? FitClassifier(ml, lgbm, matrix, width, rows, label) : FitRegression(ml, lgbm, matrix, width, rows, label);
        }
        catch (ArgumentNullException)
        {
            // ML.NET cannot wrap a LightGBM model whose trees have no split (no feature separates the rows): the model
            // is then the training mean, which is what such a booster predicts.
            return new Booster(name, kind, ml, null, mean, width);
        }

        return new Booster(name, kind, ml, transformer, mean, width);
    }

    private static BinaryPredictionTransformer<Microsoft.ML.Calibrators.CalibratedModelParametersBase<LightGbmBinaryModelParameters, Microsoft.ML.Calibrators.PlattCalibrator>> FitClassifier(MLContext ml, LightGbmBinaryTrainer.Options lgbm, float[] matrix, int width, IReadOnlyList<int> rows, Func<int, double> label)
    {
        var view = ml.Data.LoadFromEnumerable(rows.Select(r => new EffectBinaryRow { Features = Slice(matrix, width, r), Label = label(r) > 0.5 }), Schema<EffectBinaryRow>(width));
        return ml.BinaryClassification.Trainers.LightGbm(lgbm).Fit(view);
    }

    private static RegressionPredictionTransformer<LightGbmRegressionModelParameters> FitRegression(MLContext ml, LightGbmBinaryTrainer.Options lgbm, float[] matrix, int width, IReadOnlyList<int> rows, Func<int, double> label)
    {
        var view = ml.Data.LoadFromEnumerable(rows.Select(r => new EffectRegressionRow { Features = Slice(matrix, width, r), Label = (float)label(r) }), Schema<EffectRegressionRow>(width));
        return ml.Regression.Trainers.LightGbm(new LightGbmRegressionTrainer.Options
        {
            NumberOfLeaves = lgbm.NumberOfLeaves, NumberOfIterations = lgbm.NumberOfIterations, LearningRate = lgbm.LearningRate,
            MinimumExampleCountPerLeaf = lgbm.MinimumExampleCountPerLeaf, Booster = lgbm.Booster, Seed = lgbm.Seed,
            Deterministic = true, NumberOfThreads = 1, Silent = true, Verbose = false,
        }).Fit(view);
    }

    /// <summary>Predictions for <paramref name="rows"/> of the matrix, in that order.</summary>
    public double[] Predict(float[] matrix, IReadOnlyList<int> rows)
    {
        if (Transformer is null)
        {
            return [.. Enumerable.Repeat(Constant, rows.Count)];
        }

        var view = Ml.Data.LoadFromEnumerable(rows.Select(r => new EffectRegressionRow { Features = Slice(matrix, Width, r) }), Schema<EffectRegressionRow>(Width));
        var scored = Transformer.Transform(view);
        var column = Kind == BoosterKind.Classifier ? "Probability" : "Score";
        return [.. scored.GetColumn<float>(column).Select(v => (double)v)];
    }

    /// <summary>One row (serving); thread-safe.</summary>
    public double Predict(ReadOnlySpan<float> features)
    {
        if (Transformer is null)
        {
            return Constant;
        }

        var row = new EffectRegressionRow { Features = features.ToArray() };
        return Kind == BoosterKind.Classifier ? _probabilities!.Value.Predict(row).Probability : _scores!.Value.Predict(row).Score;
    }

    /// <summary>The input schema the ML.NET model is saved with (a bundle stores it beside the model).</summary>
    public DataViewSchema InputSchema => Ml.Data.LoadFromEnumerable(Array.Empty<EffectRegressionRow>(), Schema<EffectRegressionRow>(Width)).Schema;

    /// <summary>A booster over a transformer loaded from a model bundle, or the constant when there is none.</summary>
    public static Booster FromTransformer(string name, BoosterKind kind, MLContext ml, ITransformer? transformer, double constant, int width) =>
        new(name, kind, ml, transformer, constant, width);

    /// <summary>ML.NET model bytes (<c>MLContext.Model.Save</c>); empty for a constant model.</summary>
    public byte[] ToBytes()
    {
        if (Transformer is null)
        {
            return [];
        }

        using var stream = new MemoryStream();
        Ml.Model.Save(Transformer, InputSchema, stream);
        return stream.ToArray();
    }

    public static Booster FromBytes(string name, BoosterKind kind, byte[] bytes, double constant, int width)
    {
        var ml = new MLContext(seed: 0);
        if (bytes.Length == 0)
        {
            return new Booster(name, kind, ml, null, constant, width);
        }

        using var stream = new MemoryStream(bytes);
        return new Booster(name, kind, ml, ml.Model.Load(stream, out _), constant, width);
    }

    private static float[] Slice(float[] matrix, int width, int row) => matrix.AsSpan(row * width, width).ToArray();

    private static SchemaDefinition Schema<T>(int width)
    {
        var schema = SchemaDefinition.Create(typeof(T));
        schema["Features"].ColumnType = new VectorDataViewType(NumberDataViewType.Single, width);
        return schema;
    }
}
