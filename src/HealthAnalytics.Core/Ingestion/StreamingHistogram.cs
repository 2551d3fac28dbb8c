namespace HealthAnalytics.Ingestion;

/// <summary>
/// A histogram of a column's values built in one pass in fixed memory, mergeable across batches (docs/ingestion.md,
/// "Per-column statistics in the report"). Bins lie on a global grid of width 2^e aligned at 0, so bins of two
/// histograms nest exactly and merging is exact. <c>e</c> is always the smallest exponent (not below a floor) whose
/// grid covers the values seen with at most <see cref="Bins"/> bins: a function of the minimum and maximum only, so
/// the result does not depend on how the rows were split into batches or in which order they came.
/// </summary>
internal sealed class StreamingHistogram
{
    public const int Bins = 64;

    private readonly long[] _counts = new long[Bins];
    private readonly int _floorExponent;
    private int _exponent;
    private double _inverseWidth;
    private long _origin;
    private double _min = double.PositiveInfinity;
    private double _max = double.NegativeInfinity;

    /// <param name="floorExponent">Finest bin width, as a power of two: 0 for integers and day numbers (a bin never
    /// splits a unit), -20 for measurements (about 1e-6).</param>
    public StreamingHistogram(int floorExponent)
    {
        _floorExponent = floorExponent;
        Reset();
    }

    public bool IsEmpty => _min > _max;

    /// <summary>An empty histogram with the same floor (one per batch, merged into the run's).</summary>
    public StreamingHistogram NewEmpty() => new(_floorExponent);

    public void Reset()
    {
        Array.Clear(_counts);
        _min = double.PositiveInfinity;
        _max = double.NegativeInfinity;
        SetExponent(_floorExponent);
        _origin = 0;
    }

    public void Add(double x)
    {
        var k = (long)Math.Floor(x * _inverseWidth);
        var i = k - _origin;
        if (IsEmpty || (ulong)i >= Bins)
        {
            Grow(Math.Min(x, _min), Math.Max(x, _max), _exponent);
            i = (long)Math.Floor(x * _inverseWidth) - _origin;
        }

        _counts[i]++;
        if (x < _min)
        {
            _min = x;
        }

        if (x > _max)
        {
            _max = x;
        }
    }

    /// <summary>Adds <paramref name="other"/>'s counts (exact: the grids nest).</summary>
    public void Add(StreamingHistogram other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.IsEmpty)
        {
            return;
        }

        Grow(Math.Min(other._min, _min), Math.Max(other._max, _max), Math.Max(_exponent, other._exponent));
        var shift = _exponent - other._exponent;
        for (var i = 0; i < Bins; i++)
        {
            if (other._counts[i] != 0)
            {
                _counts[((other._origin + i) >> shift) - _origin] += other._counts[i];
            }
        }

        _min = Math.Min(_min, other._min);
        _max = Math.Max(_max, other._max);
    }

    /// <summary>Low edge, bin width and the counts from the first to the last non-empty bin; null when empty.</summary>
    public (double Low, double Width, long[] Counts)? Result()
    {
        if (IsEmpty)
        {
            return null;
        }

        var first = Array.FindIndex(_counts, c => c != 0);
        var last = Array.FindLastIndex(_counts, c => c != 0);
        var width = Math.ScaleB(1, _exponent);
        return ((_origin + first) * width, width, _counts[first..(last + 1)]);
    }

    /// <summary>Re-bins onto the smallest exponent ≥ <paramref name="atLeast"/> that covers [min, max] (all counts lie
    /// inside the current range, so shifting the window never drops one).</summary>
    private void Grow(double min, double max, int atLeast)
    {
        // Keep grid indices well inside the exact integer range of a double and of a long.
        var magnitude = Math.Max(Math.Abs(min), Math.Abs(max));
        var exponent = Math.Max(atLeast, magnitude > 0 ? Math.ILogB(magnitude) - 50 : atLeast);
        while (Math.Floor(max * Math.ScaleB(1, -exponent)) - Math.Floor(min * Math.ScaleB(1, -exponent)) >= Bins)
        {
            exponent++;
        }

        var origin = (long)Math.Floor(min * Math.ScaleB(1, -exponent));
        if (!IsEmpty)
        {
            var old = _counts.ToArray();
            Array.Clear(_counts);
            var shift = exponent - _exponent;
            for (var i = 0; i < Bins; i++)
            {
                if (old[i] != 0)
                {
                    _counts[((_origin + i) >> shift) - origin] += old[i];
                }
            }
        }

        SetExponent(exponent);
        _origin = origin;
    }

    private void SetExponent(int exponent)
    {
        _exponent = exponent;
        _inverseWidth = Math.ScaleB(1, -exponent);
    }
}
