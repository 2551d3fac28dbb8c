using HealthAnalytics.Contracts;
using HealthAnalytics.Curated;

namespace HealthAnalytics.Training;

/// <summary>How one input feature becomes slots of the feature vector (fitted on training rows only).</summary>
public sealed record FeatureTransform
{
    public required string Name { get; init; }
    public required FeatureKind Kind { get; init; }
    public string? Unit { get; init; }

    /// <summary>Numeric/boolean: value used for a missing cell (the training median).</summary>
    public double Median { get; init; }

    /// <summary>Numeric: the column holds whole numbers (an <c>integer</c> column of the contract), so prediction accepts
    /// only whole numbers for it and the model's example (<see cref="InputSchema"/>) gives one. False in bundles written
    /// before this member.</summary>
    public bool Integer { get; init; }

    /// <summary>Numeric/boolean: whether a "missing" indicator slot follows the value slot.</summary>
    public bool MissingIndicator { get; init; }

    /// <summary>Scaling (when the trainer needs it): (x - Center) / Scale.</summary>
    public double Center { get; init; }
    public double Scale { get; init; } = 1;

    /// <summary>Categorical: one slot per category, in this order; anything else is all zeros.</summary>
    public IReadOnlyList<string> Categories { get; init; } = [];
}

/// <summary>
/// Turns typed columns into a dense float feature vector: numeric → median imputation + missing indicator
/// (+ standardization when <see cref="Standardize"/>), categorical → one-hot (unseen → all zeros),
/// boolean → 0/1 with the same missing handling as numeric. Serialized inside the model bundle so
/// prediction applies exactly the transforms training used.
/// </summary>
public sealed record Featurizer
{
    public required IReadOnlyList<FeatureTransform> Features { get; init; }
    public bool Standardize { get; init; }

    /// <summary>Name of each slot (e.g. <c>age</c>, <c>age:missing</c>, <c>sex=F</c>).</summary>
    public IReadOnlyList<string> SlotNames => [.. Features.SelectMany(SlotsOf)];

    /// <summary>Index of the input feature each slot comes from.</summary>
    public int[] SlotToFeature()
    {
        var map = new List<int>();
        for (var f = 0; f < Features.Count; f++)
        {
            map.AddRange(Enumerable.Repeat(f, SlotsOf(Features[f]).Count()));
        }

        return [.. map];
    }

    public int Width => Features.Sum(f => SlotsOf(f).Count());

    public static Featurizer Fit(TrainingTable table, IReadOnlyList<(FeatureSpec Spec, FeatureKind Kind, CuratedColumn? Column)> features, bool standardize)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(features);
        var transforms = new List<FeatureTransform>();
        foreach (var (spec, kind, column) in features)
        {
            if (kind == FeatureKind.Categorical)
            {
                var values = table.Categorical[spec.Name];
                IReadOnlyList<string> categories;
                if (column is { Categories.Count: > 0 })
                {
                    // A closed list from the contract: stable slots whatever this batch of data holds.
                    categories = column.Categories;
                }
                else
                {
                    categories = [.. values.Where(v => v is not null).GroupBy(v => v!, StringComparer.Ordinal)
                        .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
                        .Take(spec.MaxCategories ?? 50).Select(g => g.Key)];
                }

                transforms.Add(new FeatureTransform { Name = spec.Name, Kind = kind, Unit = column?.Unit, Categories = categories });
                continue;
            }

            var raw = table.Numeric[spec.Name];
            var present = raw.Where(double.IsFinite).ToArray();
            var median = present.Length == 0 ? 0 : Median(present);
            var missing = present.Length < raw.Length;
            double center = 0, scale = 1;
            if (standardize)
            {
                // Mean and SD of the imputed column: the same values the model will see.
                var sum = 0.0;
                var sumSq = 0.0;
                foreach (var v in raw)
                {
                    var x = double.IsFinite(v) ? v : median;
                    sum += x;
                    sumSq += x * x;
                }

                center = sum / raw.Length;
                var variance = Math.Max(0, (sumSq / raw.Length) - (center * center));
                scale = variance > 1e-12 ? Math.Sqrt(variance) : 1;
            }

            transforms.Add(new FeatureTransform
            {
                Name = spec.Name,
                Kind = kind,
                Unit = column?.Unit,
                Integer = column?.Type == ColumnType.Integer,
                Median = median,
                MissingIndicator = missing,
                Center = center,
                Scale = scale,
            });
        }

        return new Featurizer { Features = transforms, Standardize = standardize };
    }

    /// <summary>Row-major feature matrix (<see cref="Width"/> floats per row).</summary>
    public float[] Transform(TrainingTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var width = Width;
        var matrix = new float[(long)table.RowCount * width];
        var offset = 0;
        foreach (var f in Features)
        {
            if (f.Kind == FeatureKind.Categorical)
            {
                var values = table.Categorical.TryGetValue(f.Name, out var v) ? v : new string?[table.RowCount];
                var index = f.Categories.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i, StringComparer.Ordinal);
                for (var r = 0; r < table.RowCount; r++)
                {
                    if (values[r] is { } s && index.TryGetValue(s, out var slot))
                    {
                        matrix[((long)r * width) + offset + slot] = 1f;
                    }
                }

                offset += f.Categories.Count;
                continue;
            }

            var raw = table.Numeric.TryGetValue(f.Name, out var n) ? n : Enumerable.Repeat(double.NaN, table.RowCount).ToArray();
            for (var r = 0; r < table.RowCount; r++)
            {
                var at = ((long)r * width) + offset;
                matrix[at] = Value(f, raw[r]);
                if (f.MissingIndicator)
                {
                    matrix[at + 1] = double.IsFinite(raw[r]) ? 0f : 1f;
                }
            }

            offset += f.MissingIndicator ? 2 : 1;
        }

        return matrix;
    }

    /// <summary>One instance (values by feature name; null or absent = missing) into <paramref name="destination"/>.</summary>
    public void Transform(IReadOnlyDictionary<string, object?> instance, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(instance);
        destination.Clear();
        var offset = 0;
        foreach (var f in Features)
        {
            instance.TryGetValue(f.Name, out var value);
            if (f.Kind == FeatureKind.Categorical)
            {
                if (value is string s)
                {
                    for (var i = 0; i < f.Categories.Count; i++)
                    {
                        if (string.Equals(f.Categories[i], s, StringComparison.Ordinal))
                        {
                            destination[offset + i] = 1f;
                        }
                    }
                }

                offset += f.Categories.Count;
                continue;
            }

            var x = value switch
            {
                null => double.NaN,
                bool b => b ? 1 : 0,
                double d => d,
                float d => d,
                int d => d,
                long d => d,
                decimal d => (double)d,
                _ => double.NaN,
            };
            destination[offset] = Value(f, x);
            if (f.MissingIndicator)
            {
                destination[offset + 1] = double.IsFinite(x) ? 0f : 1f;
            }

            offset += f.MissingIndicator ? 2 : 1;
        }
    }

    private static float Value(FeatureTransform f, double raw)
    {
        var x = double.IsFinite(raw) ? raw : f.Median;
        return (float)((x - f.Center) / f.Scale);
    }

    private static IEnumerable<string> SlotsOf(FeatureTransform f) => f.Kind == FeatureKind.Categorical
        ? f.Categories.Select(c => f.Name + "=" + c)
        : f.MissingIndicator ? [f.Name, f.Name + ":missing"] : [f.Name];

    internal static double Median(double[] values)
    {
        var sorted = (double[])values.Clone();
        Array.Sort(sorted);
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
