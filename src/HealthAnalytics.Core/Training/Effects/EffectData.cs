using HealthAnalytics.Curated;
using HealthAnalytics.Training;
using HealthAnalytics.Contracts;

namespace HealthAnalytics.Training.Effects;

/// <summary>
/// One raw column as the contract names it, used to write the benefit-subgroup rules in the contract's own
/// terms (numeric thresholds in the column's unit, category sets). Exactly one of <see cref="Numeric"/>
/// (NaN = missing) and <see cref="Categorical"/> (null = missing) is set.
/// </summary>
public sealed record EffectColumn(string Name, string? Unit, double[]? Numeric, string?[]? Categorical)
{
    public static EffectColumn OfNumbers(string name, string? unit, double[] values) => new(name, unit, values, null);

    public static EffectColumn OfCategories(string name, string?[] values) => new(name, null, null, values);

    public bool IsNumeric => Numeric is not null;

    public int Length => Numeric?.Length ?? Categorical?.Length ?? 0;
}

/// <summary>
/// The input of <see cref="EffectEstimator.Fit"/>: a row-major feature matrix as <see cref="Featurizer.Transform(TrainingTable)"/>
/// produces it, the treatment indicator, the outcome, and the raw columns the rules are written in.
/// </summary>
public sealed record EffectData
{
    /// <summary>Row-major, <see cref="Width"/> floats per row.</summary>
    public required float[] Features { get; init; }
    public required int Width { get; init; }
    public required IReadOnlyList<string> SlotNames { get; init; }

    /// <summary>True = the treated arm (the spec's treated value), false = control.</summary>
    public required bool[] Treated { get; init; }

    /// <summary>Binary 0/1 or continuous; must be finite.</summary>
    public required double[] Outcome { get; init; }

    /// <summary>Raw columns the subgroup tree may split on (usually the features' source columns).</summary>
    public required IReadOnlyList<EffectColumn> Columns { get; init; }

    /// <summary>Optional cluster per row (e.g. a patient with two eyes): rows of one cluster stay in one fold and
    /// one half, and every standard error is cluster-robust.</summary>
    public int[]? Clusters { get; init; }

    /// <summary>Optional true per-row effect (synthetic data only): enables PEHE.</summary>
    public double[]? TrueEffects { get; init; }

    public int Rows => Treated.Length;

    public void Validate()
    {
        if (Width <= 0 || Features.Length != (long)Rows * Width)
        {
            throw new ArgumentException($"The feature matrix holds {Features.Length} values, not rows ({Rows}) x width ({Width}).");
        }

        if (SlotNames.Count != Width)
        {
            throw new ArgumentException("There must be one slot name per feature slot.");
        }

        if (Outcome.Length != Rows || (Clusters?.Length ?? Rows) != Rows || (TrueEffects?.Length ?? Rows) != Rows)
        {
            throw new ArgumentException("Outcome, clusters and true effects must have one value per row.");
        }

        if (Outcome.Any(y => !double.IsFinite(y)))
        {
            throw new ArgumentException("The outcome has a missing or non-finite value; drop those rows first.");
        }

        foreach (var c in Columns)
        {
            if ((c.Numeric is null) == (c.Categorical is null) || c.Length != Rows)
            {
                throw new ArgumentException($"Column '{c.Name}' must hold either numbers or categories, one per row.");
            }
        }

        if (Columns.Select(c => c.Name).Distinct(StringComparer.Ordinal).Count() != Columns.Count)
        {
            throw new ArgumentException("Column names must be unique.");
        }
    }

    /// <summary>
    /// Builds the input from a training table the way the product featurizes (median imputation + missing
    /// indicator, one-hot categories). The featurizer is fitted on all rows: it uses no outcome, so it leaks
    /// nothing across folds. The subgroup columns are the features' raw columns.
    /// </summary>
    public static (EffectData Data, Featurizer Featurizer) FromTable(
        TrainingTable table, IReadOnlyList<(string Name, FeatureKind Kind, string? Unit)> features, bool[] treated, double[] outcome, int[]? clusters = null)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(features);
        var specs = features.Select(f => (new FeatureSpec(f.Name, f.Kind), f.Kind, (CuratedColumn?)(f.Unit is null ? null
            : new CuratedColumn(f.Name, ColumnType.Number, PrivacyRole.None, f.Unit, [], false, false)))).ToList();
        var featurizer = Featurizer.Fit(table, specs, standardize: false);
        var columns = features.Select(f => f.Kind == FeatureKind.Categorical
            ? EffectColumn.OfCategories(f.Name, table.Categorical[f.Name])
            : EffectColumn.OfNumbers(f.Name, f.Unit, table.Numeric[f.Name])).ToList();
        var data = new EffectData
        {
            Features = featurizer.Transform(table), Width = featurizer.Width, SlotNames = featurizer.SlotNames,
            Treated = treated, Outcome = outcome, Columns = columns, Clusters = clusters,
        };
        return (data, featurizer);
    }
}
