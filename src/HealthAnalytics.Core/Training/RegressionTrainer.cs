using System.Diagnostics;
using HealthAnalytics.Curated;
using MathNet.Numerics.LinearAlgebra;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.FastTree;
using Microsoft.ML.Trainers.LightGbm;

namespace HealthAnalytics.Training;

/// <summary>ML.NET row type of regression models: the featurizer's vector and a float outcome.</summary>
internal sealed class RegressionRow
{
    public float[] Features { get; set; } = [];
    public float Label { get; set; }
}

internal sealed class RegressionScore
{
    public float Score { get; set; }
    public float[] FeatureContributions { get; set; } = [];
}

/// <summary>
/// The ridge model of a regression bundle (stored as the manifest's parameters; no ML.NET model): on the featurizer's
/// standardized vector x, value = <see cref="Intercept"/> + Σ βⱼ xⱼ.
/// </summary>
/// <param name="Means">Training mean of each slot: contribution of slot j = βⱼ (xⱼ − x̄ⱼ), so contributions add up to
/// the prediction minus the training mean outcome.</param>
public sealed record RidgeParameters(double Alpha, double Intercept, IReadOnlyList<double> Coefficients, IReadOnlyList<double> Means);

/// <summary>
/// Regression (continuous outcomes): LightGBM (default), FastTree, or ridge — the exact closed form
/// (X'X + αI₀)β = X'y with the intercept unpenalized, solved by Cholesky (MathNet.Numerics): scikit-learn's
/// <c>Ridge(alpha)</c>, which ML.NET has no exact solver for on this project's package feed (docs/models.md, "Regression").
/// </summary>
public static class RegressionTrainer
{
    public static TrainedModel Train(ModelSpec spec, CuratedSchema schema, TrainingTable table, string version, ModelBundle? subgroupModel, string codeVersion, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(table);
        var clock = Stopwatch.StartNew();
        var (rows, y, missing) = WithOutcome(spec, table);
        return SupervisedEvaluation.Run(
            spec, rows, y, Quintiles(y), null, Learner(spec, schema, version, codeVersion, now), subgroupModel, missing, Metrics, clock,
            (predicted, observed, _, _) => [ResidualsSection.Compute(predicted, observed, spec.Label?.Column ?? "outcome")]);
    }

    /// <summary>The rows with an outcome, the outcome, and how many rows had none.</summary>
    internal static (TrainingTable Rows, double[] Y, int Missing) WithOutcome(ModelSpec spec, TrainingTable table)
    {
        var all = Outcomes.Numeric(spec.Label ?? throw new ModelSpecException("A regression spec needs a label."), table);
        var kept = Enumerable.Range(0, all.Length).Where(i => double.IsFinite(all[i])).ToArray();
        return (kept.Length == table.RowCount ? table : table.Select(kept), [.. kept.Select(i => all[i])], table.RowCount - kept.Length);
    }

    /// <summary>Strata of a continuous outcome: its quintile by rank (ties broken by row order), so every fold spans the range.</summary>
    internal static int[] Quintiles(double[] y)
    {
        var order = Enumerable.Range(0, y.Length).OrderBy(i => y[i]).ThenBy(i => i).ToArray();
        var strata = new int[y.Length];
        for (var rank = 0; rank < order.Length; rank++)
        {
            strata[order[rank]] = (int)((long)rank * 5 / Math.Max(1, order.Length));
        }

        return strata;
    }

    /// <summary>RMSE, MAE and R² (1 − SSE/SST around the evaluated rows' own mean; NaN when they have no spread).</summary>
    public static IReadOnlyDictionary<string, double> Metrics(double[] predictions, double[] y)
    {
        ArgumentNullException.ThrowIfNull(predictions);
        ArgumentNullException.ThrowIfNull(y);
        if (y.Length == 0)
        {
            return new SortedDictionary<string, double>(StringComparer.Ordinal) { ["mae"] = double.NaN, ["r2"] = double.NaN, ["rmse"] = double.NaN };
        }

        double sse = 0, sae = 0, mean = y.Average(), sst = 0;
        for (var i = 0; i < y.Length; i++)
        {
            var e = y[i] - predictions[i];
            sse += e * e;
            sae += Math.Abs(e);
            sst += (y[i] - mean) * (y[i] - mean);
        }

        return new SortedDictionary<string, double>(StringComparer.Ordinal)
        {
            ["rmse"] = Math.Sqrt(sse / y.Length),
            ["mae"] = sae / y.Length,
            ["r2"] = sst > 0 ? 1 - (sse / sst) : double.NaN,
        };
    }

    internal static ISupervisedLearner Learner(ModelSpec spec, CuratedSchema schema, string version, string codeVersion, DateTimeOffset now) =>
        new RegressionLearner(spec, schema, version, codeVersion, now);

    /// <summary>Predicted values of every row of <paramref name="table"/> (batch scoring with the bundle's own featurizer).</summary>
    public static double[] Predict(ModelBundle bundle, TrainingTable table)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        ArgumentNullException.ThrowIfNull(table);
        var featurizer = bundle.Manifest.Featurizer;
        var matrix = featurizer.Transform(table);
        var width = featurizer.Width;
        if (bundle.Manifest.ParametersAs<RidgeParameters>() is { } ridge)
        {
            var values = new double[table.RowCount];
            for (var r = 0; r < values.Length; r++)
            {
                values[r] = Ridge(ridge, matrix.AsSpan(r * width, width));
            }

            return values;
        }

        var view = View(bundle.Ml, matrix, width, null);
        return [.. bundle.Transformer.Transform(view).GetColumn<float>("Score").Select(s => (double)s)];
    }

    internal static double Ridge(RidgeParameters p, ReadOnlySpan<float> x)
    {
        var value = p.Intercept;
        for (var j = 0; j < x.Length; j++)
        {
            value += p.Coefficients[j] * x[j];
        }

        return value;
    }

    internal static SchemaDefinition RowSchema(int width)
    {
        var schema = SchemaDefinition.Create(typeof(RegressionRow));
        schema[nameof(RegressionRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, width);
        return schema;
    }

    internal static IDataView View(MLContext ml, float[] matrix, int width, double[]? y)
    {
        var count = matrix.Length / Math.Max(1, width);
        IEnumerable<RegressionRow> Enumerate()
        {
            for (var i = 0; i < count; i++)
            {
                yield return new RegressionRow { Features = matrix.AsSpan(i * width, width).ToArray(), Label = (float)(y?[i] ?? 0) };
            }
        }

        return ml.Data.LoadFromEnumerable(Enumerate(), RowSchema(width));
    }

    /// <summary>
    /// Ridge on a row-major float matrix, in double: columns and outcome centred on their training means (so the
    /// intercept is not penalized), (Xc'Xc + αI) β = Xc'yc by Cholesky, intercept = ȳ − x̄·β.
    /// </summary>
    internal static RidgeParameters FitRidge(float[] matrix, int width, double[] y, double alpha)
    {
        var n = y.Length;
        var means = new double[width];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < width; j++)
            {
                means[j] += matrix[(i * width) + j];
            }
        }

        for (var j = 0; j < width; j++)
        {
            means[j] /= Math.Max(1, n);
        }

        var yMean = n == 0 ? 0 : y.Average();
        var gram = Matrix<double>.Build.Dense(width, width);
        var xty = Vector<double>.Build.Dense(width);
        var row = new double[width];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < width; j++)
            {
                row[j] = matrix[(i * width) + j] - means[j];
            }

            var yc = y[i] - yMean;
            for (var a = 0; a < width; a++)
            {
                xty[a] += row[a] * yc;
                for (var b = 0; b <= a; b++)
                {
                    gram[a, b] += row[a] * row[b];
                }
            }
        }

        for (var a = 0; a < width; a++)
        {
            gram[a, a] += alpha;
            for (var b = 0; b < a; b++)
            {
                gram[b, a] = gram[a, b];
            }
        }

        var beta = width == 0 ? [] : gram.Cholesky().Solve(xty).ToArray();
        var intercept = yMean - beta.Select((b, j) => b * means[j]).Sum();
        return new RidgeParameters(alpha, intercept, beta, means);
    }

    private sealed class RegressionLearner(ModelSpec spec, CuratedSchema schema, string version, string codeVersion, DateTimeOffset now) : ISupervisedLearner
    {
        public ModelBundle Fit(TrainingTable rows, double[] y)
        {
            var t = spec.Trainer;
            var ridge = t.Name == "ridge";
            var featurizer = Featurizer.Fit(rows, [.. spec.Features.Select(f => (f, ModelSpecReader.KindOf(f, schema), schema.Find(f.Name)))], standardize: ridge);
            var matrix = featurizer.Transform(rows);
            var ml = new MLContext(spec.Validation.Seed);
            var manifest = new ModelManifest
            {
                Model = spec.Name,
                Version = version,
                Task = ModelTask.Regression,
                Trainer = t.Name,
                Featurizer = featurizer,
                TrainedAt = now,
                CodeVersion = codeVersion,
                Spec = ModelManifest.SpecElement(spec),
            };
            if (ridge)
            {
                var parameters = FitRidge(matrix, featurizer.Width, y, t.Alpha ?? 1.0);
                return new ModelBundle(manifest.WithParameters(parameters), ml, new Dictionary<string, BundledModel>(StringComparer.Ordinal));
            }

            var data = View(ml, matrix, featurizer.Width, y);
            IEstimator<ITransformer> trainer = t.Name switch
            {
                "fasttree" => ml.Regression.Trainers.FastTree(new FastTreeRegressionTrainer.Options
                {
                    NumberOfLeaves = t.NumberOfLeaves ?? 20,
                    NumberOfTrees = t.NumberOfIterations ?? 100,
                    LearningRate = t.LearningRate ?? 0.1,
                    MinimumExampleCountPerLeaf = t.MinimumExampleCountPerLeaf ?? 20,
                    NumberOfThreads = 1, // single-threaded: bit-identical retrains
                    Seed = spec.Validation.Seed,
                }),
                _ => ml.Regression.Trainers.LightGbm(new LightGbmRegressionTrainer.Options
                {
                    NumberOfLeaves = t.NumberOfLeaves ?? 31,
                    NumberOfIterations = t.NumberOfIterations ?? 100,
                    LearningRate = t.LearningRate ?? 0.05,
                    MinimumExampleCountPerLeaf = t.MinimumExampleCountPerLeaf ?? 20,
                    Seed = spec.Validation.Seed,
                    Deterministic = true,
                    NumberOfThreads = t.NumberOfThreads ?? 1,
                    Silent = true,
                    Verbose = false,
                }),
            };

            var transformer = trainer.Fit(data);
            return new ModelBundle(manifest, ml, new Dictionary<string, BundledModel>(StringComparer.Ordinal)
            {
                [ModelBundle.MainModel] = new(transformer, data.Schema),
            });
        }

        public double[] Predict(ModelBundle model, TrainingTable rows) => RegressionTrainer.Predict(model, rows);

        public IReadOnlyDictionary<string, double> Metrics(double[] predictions, double[] y) => RegressionTrainer.Metrics(predictions, y);
    }
}
