using System.Globalization;
using System.Text.Json;
using HealthAnalytics.Contracts;
using HealthAnalytics.Curated;
using HealthAnalytics.Ingestion;

namespace HealthAnalytics.Training;

/// <summary>
/// The outcome of a supervised spec, read from curated data: a binary label from any column (a boolean column, listed
/// positive values, or a threshold on a number), or a numeric outcome for regression. Rows whose outcome cell is missing
/// are left out of training and evaluation (counted in lineage, <see cref="Lineage.RowsWithoutOutcome"/>).
/// </summary>
public static class Outcomes
{
    /// <summary>
    /// Checks <paramref name="label"/> against the curated schema: the column exists, is not an identifier, direct
    /// identifier or dropped column, is not a feature, and fits the rule (boolean alone; positive values that the
    /// contract's normalization accepts; a threshold on a number). Binary when <paramref name="binary"/>, else a numeric outcome.
    /// </summary>
    public static void Validate(ModelSpec spec, LabelSpec? label, CuratedSchema? schema, bool binary, Action<string, string> error)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(error);
        var task = spec.Task.Name();
        if (label is null || string.IsNullOrEmpty(label.Column))
        {
            error("$.label", "is required for " + task);
            return;
        }

        if (!binary && !label.IsColumnOnly)
        {
            error("$.label", $"is a numeric column for {task}: positive and threshold do not apply");
        }

        if (label.Positive is not null && label.Threshold is not null)
        {
            error("$.label", "give positive values or a threshold, not both");
        }

        if (label.Positive is { Count: 0 })
        {
            error("$.label.positive", "lists no value");
        }

        if (label.Operator is { } op && !LabelSpec.Operators.Contains(op, StringComparer.Ordinal))
        {
            error("$.label.operator", "must be one of " + string.Join(" ", LabelSpec.Operators));
        }

        if (label.Operator is not null && label.Threshold is null)
        {
            error("$.label.operator", "needs a threshold");
        }

        if (label.Threshold is { } t && !double.IsFinite(t))
        {
            error("$.label.threshold", "must be a finite number");
        }

        if (schema is null)
        {
            return;
        }

        var column = schema.Find(label.Column);
        if (column is null)
        {
            error(label.ColumnPath, "is not a column of the dataset");
            return;
        }

        if (column.Privacy is PrivacyRole.Identifier or PrivacyRole.Direct || column.Dropped)
        {
            error(label.ColumnPath, "an identifier, direct identifier or dropped column cannot be the label");
            return;
        }

        if (spec.Features.Any(f => f.Name == label.Column))
        {
            error("$.features", "the label cannot be a feature");
        }

        var numeric = column.Type is ColumnType.Integer or ColumnType.Number;
        if (!binary)
        {
            if (!numeric)
            {
                error(label.ColumnPath, "must be an integer or number column for " + task);
            }

            return;
        }

        if (label.Threshold is not null)
        {
            if (!numeric)
            {
                error(label.ColumnPath, "a threshold needs an integer or number column");
            }
        }
        else if (label.Positive is { } positive)
        {
            if (column.Type is ColumnType.Date or ColumnType.DateTime)
            {
                error(label.ColumnPath, "a date column cannot be a label");
                return;
            }

            var normalizer = Normalizer(column);
            for (var i = 0; i < positive.Count; i++)
            {
                if (Normalize(positive[i], column, normalizer) is null)
                {
                    error($"$.label.positive[{i}]", "is not a value of the column (after the contract's normalization)");
                }
            }
        }
        else if (column.Type != ColumnType.Boolean)
        {
            error(label.ColumnPath, "must be a boolean column, or give positive values or a threshold");
        }
    }

    /// <summary>How the label's column is held in the training table: text for categories and strings, else a number.</summary>
    public static FeatureKind ColumnKind(LabelSpec label, CuratedSchema schema)
    {
        ArgumentNullException.ThrowIfNull(label);
        ArgumentNullException.ThrowIfNull(schema);
        return schema.Find(label.Column)?.Type is ColumnType.Category or ColumnType.String ? FeatureKind.Categorical : FeatureKind.Numeric;
    }

    /// <summary>The binary label of every row: true, false, or null when the label cell is missing.</summary>
    public static bool?[] Binary(LabelSpec label, CuratedSchema schema, TrainingTable table)
    {
        ArgumentNullException.ThrowIfNull(label);
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(table);
        var column = schema.Find(label.Column) ?? throw new ModelSpecException("The label is no longer a column of its dataset.");
        var result = new bool?[table.RowCount];
        if (ColumnKind(label, schema) == FeatureKind.Categorical)
        {
            var normalizer = Normalizer(column);
            var positives = (label.Positive ?? []).Select(p => Normalize(p, column, normalizer) as string).OfType<string>().ToHashSet(StringComparer.Ordinal);
            var text = table.Categorical[label.Column];
            for (var i = 0; i < result.Length; i++)
            {
                result[i] = text[i] is { } s ? positives.Contains(s) : null;
            }

            return result;
        }

        var values = table.Numeric[label.Column];
        Func<double, bool> rule;
        if (label.Threshold is { } t)
        {
            rule = (label.Operator ?? ">=") switch
            {
                ">" => v => v > t,
                "<=" => v => v <= t,
                "<" => v => v < t,
                _ => v => v >= t,
            };
        }
        else if (label.Positive is { } positive)
        {
            var normalizer = Normalizer(column);
            var set = positive.Select(p => Normalize(p, column, normalizer)).Select(AsNumber).Where(double.IsFinite).ToHashSet();
            rule = set.Contains;
        }
        else
        {
            rule = v => v > 0.5; // a boolean column, held as 0/1
        }

        for (var i = 0; i < result.Length; i++)
        {
            result[i] = double.IsFinite(values[i]) ? rule(values[i]) : null;
        }

        return result;
    }

    /// <summary>The numeric outcome of every row (NaN when missing).</summary>
    public static double[] Numeric(LabelSpec label, TrainingTable table)
    {
        ArgumentNullException.ThrowIfNull(label);
        ArgumentNullException.ThrowIfNull(table);
        return table.Numeric[label.Column];
    }

    private static ColumnNormalizer? Normalizer(CuratedColumn column) =>
        column.Contract is { } spec
            ? new ColumnNormalizer(spec, new DialectSpec { DecimalSeparator = "." }, ',', DateOnly.MaxValue)
            : null;

    /// <summary>A positive value as the curated column holds it (canonical category, string, number, 0/1), or null when the
    /// contract's normalization refuses it.</summary>
    private static object? Normalize(JsonElement value, CuratedColumn column, ColumnNormalizer? normalizer)
    {
        var raw = value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number => value.GetDouble().ToString("R", CultureInfo.InvariantCulture),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            _ => null,
        };
        if (raw is null)
        {
            return null;
        }

        if (normalizer is null)
        {
            // A derived column has no contract column: numbers only.
            return double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d) ? d : null;
        }

        var normalized = normalizer.Normalize(raw);
        if (normalized.Status != CellStatus.Value || normalized.Value is null)
        {
            return null;
        }

        return column.Type switch
        {
            ColumnType.Category or ColumnType.String => Convert.ToString(normalized.Value, CultureInfo.InvariantCulture),
            _ => AsNumber(normalized.Value),
        };
    }

    private static double AsNumber(object? value) => value switch
    {
        bool b => b ? 1 : 0,
        double d => d,
        long l => l,
        int i => i,
        float f => f,
        _ => double.NaN,
    };
}
