using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.LightGbm;

namespace HealthAnalytics.Training.Survival;

/// <summary>Options of <see cref="BoostedSurvivalTrainer"/>; defaults chosen for 1M rows in ≤ 3 min on 2 cores (docs/survival.md).</summary>
public sealed record BoostedSurvivalOptions
{
    /// <summary>Number of time intervals; boundaries at quantiles of the event times.</summary>
    public int Intervals { get; init; } = 10;
    public int NumberOfIterations { get; init; } = 100;
    public int NumberOfLeaves { get; init; } = 15;
    public double LearningRate { get; init; } = 0.1;
    public int MinimumExampleCountPerLeaf { get; init; } = 50;
    public int Seed { get; init; }

    /// <summary>Time at which the risk score −log S(t|x) is read; null = the end of the last interval.</summary>
    public double? RiskHorizon { get; init; }
}

/// <summary>
/// Everything but the ML.NET bytes of a fitted <see cref="BoostedSurvivalModel"/>; JSON-serializable as is.
/// </summary>
/// <param name="Boundaries">Interval j is (Boundaries[j], Boundaries[j + 1]]; the first starts at 0, the last ends at the largest training time.</param>
public sealed record BoostedSurvivalParameters(
    IReadOnlyList<string> SlotNames,
    int Width,
    double[] Boundaries,
    double RiskHorizon,
    BoostedSurvivalOptions Options,
    int Rows,
    int Events,
    long PersonPeriodRows);

internal sealed class PersonPeriodRow
{
    public float[] Features { get; set; } = [];
    public bool Label { get; set; }
    public float Weight { get; set; }
}

internal sealed class HazardScore
{
    public float Probability { get; set; }
}

/// <summary>
/// Discrete-time hazard model with gradient-boosted trees (ML.NET LightGBM, binary objective). Follow-up is cut into
/// intervals at quantiles of the event times; each row contributes one "person-period" row per interval it entered,
/// with the interval index as an extra feature: label 1 in the interval of its event, 0 before; an interval in which
/// a row was censored is kept with weight = the observed fraction of that interval (actuarial exposure), so censored
/// rows are used, never dropped. The hazard of interval j for x is the predicted probability h_j(x); survival is
/// S(b_j|x) = Π_{k≤j}(1 − h_k(x)), with a constant hazard inside an interval for times between boundaries.
/// Deterministic: seeded, one thread.
/// </summary>
public static class BoostedSurvivalTrainer
{
    public static BoostedSurvivalModel Fit(SurvivalData data, BoostedSurvivalOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        options ??= new BoostedSurvivalOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Intervals, 1);
        var events = data.EventCount;
        if (events == 0)
        {
            throw new ArgumentException("A boosted survival model needs at least one event in its training rows.", nameof(data));
        }

        var boundaries = Boundaries(data.Times, data.Events, options.Intervals);
        var width = data.Width;
        var k = boundaries.Length - 1;

        // Count first so the parameters can say how large the expanded training set was.
        long personPeriods = 0;
        for (var i = 0; i < data.Rows; i++)
        {
            personPeriods += BoostedSurvivalModel.IntervalOf(boundaries, data.Times[i]) + 1;
        }

        IEnumerable<PersonPeriodRow> Expand()
        {
            for (var i = 0; i < data.Rows; i++)
            {
                var t = data.Times[i];
                var last = BoostedSurvivalModel.IntervalOf(boundaries, t);
                for (var j = 0; j <= last; j++)
                {
                    var features = new float[width + 1];
                    data.Row(i).CopyTo(features);
                    features[width] = j;
                    var label = false;
                    var weight = 1f;
                    if (j == last)
                    {
                        if (data.Events[i])
                        {
                            label = true;
                        }
                        else if (t < boundaries[j + 1])
                        {
                            var span = boundaries[j + 1] - boundaries[j];
                            weight = span > 0 ? (float)((t - boundaries[j]) / span) : 1f;
                        }
                    }

                    if (weight > 0)
                    {
                        yield return new PersonPeriodRow { Features = features, Label = label, Weight = weight };
                    }
                }
            }
        }

        var ml = new MLContext(options.Seed);
        var view = ml.Data.LoadFromEnumerable(Expand(), BoostedSurvivalModel.RowSchema(width + 1));
        var trainer = ml.BinaryClassification.Trainers.LightGbm(new LightGbmBinaryTrainer.Options
        {
            NumberOfLeaves = options.NumberOfLeaves,
            NumberOfIterations = options.NumberOfIterations,
            LearningRate = options.LearningRate,
            MinimumExampleCountPerLeaf = options.MinimumExampleCountPerLeaf,
            ExampleWeightColumnName = nameof(PersonPeriodRow.Weight),
            Seed = options.Seed,
            Deterministic = true,
            NumberOfThreads = 1, // one thread: bit-identical refits
            Silent = true,
            Verbose = false,
        });
        var transformer = trainer.Fit(view);
        var parameters = new BoostedSurvivalParameters(
            [.. data.SlotNames], width, boundaries, options.RiskHorizon ?? boundaries[k], options, data.Rows, events, personPeriods);
        return new BoostedSurvivalModel(parameters, ml, transformer);
    }

    /// <summary>0, the distinct quantiles j/K (j = 1..K−1) of the event times, and the largest time.</summary>
    internal static double[] Boundaries(double[] times, bool[] events, int intervals)
    {
        var eventTimes = times.Where((_, i) => events[i]).Order().ToArray();
        var max = times.Max();
        var cuts = new SortedSet<double> { 0, max };
        for (var j = 1; j < intervals; j++)
        {
            // Type-7 quantile (R's default).
            var h = (eventTimes.Length - 1) * (double)j / intervals;
            var lo = (int)Math.Floor(h);
            var q = eventTimes[lo] + ((h - lo) * (eventTimes[Math.Min(lo + 1, eventTimes.Length - 1)] - eventTimes[lo]));
            if (q > 0 && q < max)
            {
                cuts.Add(q);
            }
        }

        if (cuts.Count == 1)
        {
            cuts.Add(1); // every time is 0: one nominal interval
        }

        return [.. cuts];
    }
}

/// <summary>A fitted discrete-time boosted survival model: <see cref="Parameters"/> (JSON) + <see cref="ModelBytes"/> (ML.NET).</summary>
public sealed class BoostedSurvivalModel : ISurvivalModel
{
    private const float MinHazard = 1e-7f;
    private readonly MLContext _ml;
    private readonly ITransformer _transformer;

    internal BoostedSurvivalModel(BoostedSurvivalParameters parameters, MLContext ml, ITransformer transformer)
    {
        Parameters = parameters;
        _ml = ml;
        _transformer = transformer;
    }

    public BoostedSurvivalParameters Parameters { get; }

    /// <summary>The hazard model and its context, for a model bundle (<c>mlnet/hazard.zip</c>) and pooled prediction engines.</summary>
    internal ITransformer Transformer => _transformer;

    internal MLContext Ml => _ml;

    /// <summary>The person-period row schema the hazard model was fitted on (the features plus the interval index).</summary>
    internal DataViewSchema InputSchema => _ml.Data.LoadFromEnumerable(Array.Empty<PersonPeriodRow>(), RowSchema(Parameters.Width + 1)).Schema;

    /// <summary>The ML.NET transformer as <c>MLContext.Model.Save</c> writes it.</summary>
    public byte[] ModelBytes()
    {
        using var stream = new MemoryStream();
        _ml.Model.Save(_transformer, InputSchema, stream);
        return stream.ToArray();
    }

    public static BoostedSurvivalModel Load(BoostedSurvivalParameters parameters, byte[] modelBytes)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(modelBytes);
        var ml = new MLContext(parameters.Options.Seed);
        using var stream = new MemoryStream(modelBytes);
        var transformer = ml.Model.Load(stream, out _);
        return new BoostedSurvivalModel(parameters, ml, transformer);
    }

    /// <summary>Hazards[i][j] = P(event in interval j | at risk at its start, row i).</summary>
    public float[][] IntervalHazards(float[] features, int width)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (width != Parameters.Width)
        {
            throw new ArgumentException($"Expected {Parameters.Width} feature slots, got {width}.", nameof(width));
        }

        var n = width == 0 ? 0 : features.Length / width;
        var k = Parameters.Boundaries.Length - 1;
        IEnumerable<PersonPeriodRow> Rows()
        {
            for (var i = 0; i < n; i++)
            {
                for (var j = 0; j < k; j++)
                {
                    var f = new float[width + 1];
                    features.AsSpan(i * width, width).CopyTo(f);
                    f[width] = j;
                    yield return new PersonPeriodRow { Features = f, Weight = 1 };
                }
            }
        }

        var scored = _transformer.Transform(_ml.Data.LoadFromEnumerable(Rows(), RowSchema(width + 1)));
        var result = new float[n][];
        var r = 0;
        var c = 0;
        foreach (var s in _ml.Data.CreateEnumerable<HazardScore>(scored, reuseRowObject: true))
        {
            if (c == 0)
            {
                result[r] = new float[k];
            }

            result[r][c] = Math.Clamp(s.Probability, MinHazard, 1 - MinHazard);
            if (++c == k)
            {
                c = 0;
                r++;
            }
        }

        return result;
    }

    public SurvivalPredictions Predict(float[] features, int width, IReadOnlyList<double> horizons)
    {
        ArgumentNullException.ThrowIfNull(horizons);
        var hazards = IntervalHazards(features, width);
        var n = hazards.Length;
        var risk = new double[n];
        var survival = horizons.Select(_ => new double[n]).ToArray();
        for (var i = 0; i < n; i++)
        {
            risk[i] = -LogSurvival(hazards[i], Parameters.RiskHorizon);
            for (var h = 0; h < horizons.Count; h++)
            {
                survival[h][i] = Math.Exp(LogSurvival(hazards[i], horizons[h]));
            }
        }

        return new SurvivalPredictions(risk, [.. horizons], survival);
    }

    /// <summary>Per row, the first time S(t|x) ≤ 0.5 within the intervals (constant hazard inside one), else null.</summary>
    public double?[] MedianSurvivalTimes(float[] features, int width) => [.. IntervalHazards(features, width).Select(MedianSurvivalTime)];

    internal double? MedianSurvivalTime(float[] hazards)
    {
        var b = Parameters.Boundaries;
        var logS = 0.0;
        var half = Math.Log(0.5);
        for (var j = 0; j < hazards.Length; j++)
        {
            var step = Math.Log(1 - hazards[j]);
            if (logS + step <= half)
            {
                // Constant hazard inside the interval: solve for the time the log-survival crosses log 0.5.
                return b[j] + ((b[j + 1] - b[j]) * (half - logS) / step);
            }

            logS += step;
        }

        return null;
    }

    /// <summary>log S(t): whole intervals before t, then the elapsed fraction of t's interval; flat after the last.</summary>
    internal double LogSurvival(float[] hazards, double t)
    {
        var b = Parameters.Boundaries;
        var logS = 0.0;
        for (var j = 0; j < hazards.Length; j++)
        {
            if (t <= b[j])
            {
                break;
            }

            var fraction = t >= b[j + 1] ? 1 : (t - b[j]) / (b[j + 1] - b[j]);
            logS += fraction * Math.Log(1 - hazards[j]);
        }

        return logS;
    }

    /// <summary>Index of the interval (b_j, b_{j+1}] holding t (0 for t ≤ b_1, the last for t beyond the end).</summary>
    internal static int IntervalOf(double[] boundaries, double t)
    {
        var k = boundaries.Length - 1;
        for (var j = 0; j < k; j++)
        {
            if (t <= boundaries[j + 1])
            {
                return j;
            }
        }

        return k - 1;
    }

    internal static SchemaDefinition RowSchema(int width)
    {
        var schema = SchemaDefinition.Create(typeof(PersonPeriodRow));
        schema[nameof(PersonPeriodRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, width);
        return schema;
    }
}
