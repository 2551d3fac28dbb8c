namespace HealthAnalytics.Training.Survival;

/// <summary>
/// Right-censored training or evaluation data as plain arrays: a row-major feature matrix of <see cref="Width"/>
/// floats per row (the featurizer's output, no NaN), the follow-up time of each row (any unit, ≥ 0) and whether the
/// row ended in the event (<c>true</c>) or was censored (<c>false</c>).
/// </summary>
public sealed record SurvivalData
{
    public SurvivalData(float[] features, int width, IReadOnlyList<string> slotNames, double[] times, bool[] events)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(slotNames);
        ArgumentNullException.ThrowIfNull(times);
        ArgumentNullException.ThrowIfNull(events);
        ArgumentOutOfRangeException.ThrowIfNegative(width);
        if (slotNames.Count != width)
        {
            throw new ArgumentException("There must be one slot name per feature slot.", nameof(slotNames));
        }

        if (times.Length != events.Length || (long)times.Length * width != features.LongLength)
        {
            throw new ArgumentException("Features, times and events must describe the same number of rows.", nameof(times));
        }

        SurvivalChecks.Outcome(times, events);
        for (long i = 0; i < features.LongLength; i++)
        {
            if (!float.IsFinite(features[i]))
            {
                // Index only: never a cell value in a message.
                throw new ArgumentException($"Feature matrix has a missing or infinite value at row {i / Math.Max(1, width)}; impute before fitting.", nameof(features));
            }
        }

        Features = features;
        Width = width;
        SlotNames = slotNames;
        Times = times;
        Events = events;
    }

    public float[] Features { get; }
    public int Width { get; }
    public IReadOnlyList<string> SlotNames { get; }
    public double[] Times { get; }
    public bool[] Events { get; }
    public int Rows => Times.Length;

    public int EventCount => Events.Count(e => e);

    public ReadOnlySpan<float> Row(int i) => Features.AsSpan(i * Width, Width);

    /// <summary>The rows at <paramref name="indices"/>, in that order.</summary>
    public SurvivalData Select(IReadOnlyList<int> indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        var x = new float[(long)indices.Count * Width];
        var t = new double[indices.Count];
        var e = new bool[indices.Count];
        for (var k = 0; k < indices.Count; k++)
        {
            var i = indices[k];
            Row(i).CopyTo(x.AsSpan(k * Width, Width));
            t[k] = Times[i];
            e[k] = Events[i];
        }

        return new SurvivalData(x, Width, SlotNames, t, e);
    }
}

/// <summary>Predictions of a survival model for a batch of rows.</summary>
/// <param name="Risk">Higher means earlier events (Cox: the linear predictor; boosted: cumulative hazard at its reference time).</param>
/// <param name="Horizons">The horizons asked for, in the order given.</param>
/// <param name="Survival">Survival[h][i] = predicted S(Horizons[h] | row i).</param>
public sealed record SurvivalPredictions(double[] Risk, double[] Horizons, double[][] Survival);

/// <summary>What a fitted survival model offers the metrics and the serving path.</summary>
public interface ISurvivalModel
{
    /// <summary>Risk scores and S(t) at each horizon for every row of a row-major matrix.</summary>
    SurvivalPredictions Predict(float[] features, int width, IReadOnlyList<double> horizons);
}

internal static class SurvivalChecks
{
    public static void Outcome(double[] times, bool[] events)
    {
        ArgumentNullException.ThrowIfNull(times);
        ArgumentNullException.ThrowIfNull(events);
        if (times.Length != events.Length)
        {
            throw new ArgumentException("Times and events must have the same length.", nameof(events));
        }

        for (var i = 0; i < times.Length; i++)
        {
            if (!double.IsFinite(times[i]) || times[i] < 0)
            {
                throw new ArgumentException($"Time at row {i} is missing, negative or infinite.", nameof(times));
            }
        }
    }

    public static void SameLength(int expected, int actual, string name)
    {
        if (expected != actual)
        {
            throw new ArgumentException("Every per-row array must have one entry per row.", name);
        }
    }

    /// <summary>Row indices ordered by time ascending; at a tied time events come first (stable by index).</summary>
    public static int[] OrderByTime(double[] times, bool[] events)
    {
        var order = new int[times.Length];
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        Array.Sort(order, (a, b) =>
        {
            var c = times[a].CompareTo(times[b]);
            if (c != 0)
            {
                return c;
            }

            c = events[b].CompareTo(events[a]);
            return c != 0 ? c : a.CompareTo(b);
        });
        return order;
    }
}
