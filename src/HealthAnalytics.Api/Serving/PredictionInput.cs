using System.Globalization;
using System.Text.Json;
using HealthAnalytics.Contracts;
using HealthAnalytics.Ingestion;
using HealthAnalytics.Training;

namespace HealthAnalytics.Api;

/// <summary>
/// Validates and normalizes prediction inputs against a champion's input schema. Every value goes through the
/// dataset contract's <see cref="ColumnNormalizer"/> (the code path ingestion uses), so units ("6.1 mmol/L"),
/// category aliases ("female") and ranges are handled exactly as in the training data. Error messages come from
/// the contract, never from the input.
/// </summary>
public sealed partial class PredictionInput
{
    private readonly Dictionary<string, Field> _fields;

    /// <summary>Names the API publishes anyway (the contract's columns): the only unknown names an error repeats.</summary>
    private readonly HashSet<string> _contractNames;

    private PredictionInput(Dictionary<string, Field> fields, HashSet<string> contractNames)
    {
        _fields = fields;
        _contractNames = contractNames;
    }

    /// <summary>Input feature names, in schema order.</summary>
    public IReadOnlyCollection<string> Fields => _fields.Keys;

    /// <summary>Builds the validator of one champion over its dataset contract (null contract: the model's own schema).</summary>
    public static PredictionInput Create(InputSchema schema, DatasetContract? contract, DateOnly today)
    {
        ArgumentNullException.ThrowIfNull(schema);

        // JSON numbers always use '.'; the delimiter argument only matters when the dialect leaves this open.
        var dialect = (contract?.Dialect ?? new DialectSpec()) with { DecimalSeparator = "." };
        var fields = new Dictionary<string, Field>(StringComparer.Ordinal);
        foreach (var feature in schema.Features)
        {
            var column = ColumnFor(feature, contract, out var topCode);
            fields[feature.Name] = new Field(feature, new ColumnNormalizer(column, dialect, ',', today), topCode, Describe(column));
        }

        var contractNames = new HashSet<string>(StringComparer.Ordinal);
        contractNames.UnionWith(contract?.Columns.Select(c => c.Name) ?? []);
        contractNames.UnionWith(contract?.Derived.Select(d => d.Name) ?? []);
        return new PredictionInput(fields, contractNames);
    }

    /// <summary>
    /// One JSON object into feature values (absent or null = missing, imputed by the model unless required).
    /// Errors are added under <c>{prefix}.{field}</c>.
    /// </summary>
    public Dictionary<string, object?> Read(JsonElement instance, string prefix, IDictionary<string, string[]> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        try
        {
            return ReadObject(instance, prefix, errors);
        }
        catch (InvalidOperationException)
        {
            // Valid JSON can escape a lone surrogate ("\ud800"), which no .NET string (name or value) can hold:
            // the client's error, not a 500.
            errors[prefix] = ["Names and strings must be valid Unicode (no lone surrogate escapes)."];
            return [];
        }
    }

    private Dictionary<string, object?> ReadObject(JsonElement instance, string prefix, IDictionary<string, string[]> errors)
    {
        var values = new Dictionary<string, object?>(_fields.Count, StringComparer.Ordinal);
        if (instance.ValueKind != JsonValueKind.Object)
        {
            errors[prefix] = ["Must be a JSON object of feature values."];
            return values;
        }

        foreach (var property in instance.EnumerateObject())
        {
            if (!_fields.TryGetValue(property.Name, out var field))
            {
                // The name is the client's input too (it could be anything, a patient's name included): an error
                // repeats it only when it is a column of the dataset contract, a name the API publishes anyway.
                if (_contractNames.Contains(property.Name))
                {
                    errors[$"{prefix}.{property.Name}"] = ["Not an input of this model; see the model's input schema (GET /api/models/{name})."];
                }
                else
                {
                    errors[prefix] = ["Unknown field (its name is not repeated); see the model's input schema (GET /api/models/{name})."];
                }

                continue;
            }

            if (values.ContainsKey(field.Feature.Name))
            {
                errors[$"{prefix}.{field.Feature.Name}"] = ["Given more than once."];
                continue;
            }

            values[field.Feature.Name] = ReadValue(field, property.Value, $"{prefix}.{field.Feature.Name}", errors);
        }

        foreach (var field in _fields.Values)
        {
            if (field.Normalizer.Column.Required && (!values.TryGetValue(field.Feature.Name, out var v) || v is null)
                && !errors.ContainsKey($"{prefix}.{field.Feature.Name}"))
            {
                errors[$"{prefix}.{field.Feature.Name}"] = ["Required."];
            }
        }

        return values;
    }

    private static object? ReadValue(Field field, JsonElement value, string key, IDictionary<string, string[]> errors)
    {
        var type = field.Normalizer.Column.Type;
        string? text = value.ValueKind switch
        {
            JsonValueKind.Null => null,

            // Numbers keep their JSON spelling so integer columns reject 12.5 exactly as ingestion does.
            JsonValueKind.Number when type is ColumnType.Integer or ColumnType.Number => value.GetRawText(),
            JsonValueKind.String when type is ColumnType.Integer or ColumnType.Number or ColumnType.Category or ColumnType.String => value.GetString(),
            JsonValueKind.True or JsonValueKind.False when type == ColumnType.Boolean => value.GetBoolean() ? "true" : "false",
            _ => WrongType(),
        };
        if (text is null)
        {
            if (value.ValueKind != JsonValueKind.Null)
            {
                errors[key] = [field.Expected];
            }
            else if (field.Normalizer.Column.Required)
            {
                errors[key] = ["Required."];
            }

            return null;
        }

        if (text.Length > 256)
        {
            errors[key] = [field.Expected];
            return null;
        }

        var result = field.Normalizer.Normalize(text);
        switch (result.Status)
        {
            case CellStatus.Value:
                return field.TopCode is { } top && result.Value is int i && i > top ? top : result.Value;
            case CellStatus.Missing:
                return null;
            default:
                errors[key] = [Message(field, result.Rule)];
                return null;
        }

        static string? WrongType() => null;
    }

    private static string Message(Field field, string? rule)
    {
        var column = field.Normalizer.Column;
        return rule switch
        {
            Rules.Required => "Required.",
            Rules.Range when column.Range is { } r => string.Create(CultureInfo.InvariantCulture, $"Out of range: must be between {r.Min} and {r.Max}{(column.Unit is null ? "" : " " + column.Unit)}."),
            Rules.Unit => $"Unknown unit; use {string.Join(", ", Units(column))}.",
            Rules.Category => $"Unknown category; use one of {string.Join(", ", column.Categories?.Keys ?? [])}.",
            Rules.NonFinite => "Must be a finite number.",
            _ => field.Expected,
        };
    }

    private static string Describe(ColumnSpec column) => column.Type switch
    {
        ColumnType.Integer => "Must be an integer" + UnitHint(column) + ", or null.",
        ColumnType.Number => "Must be a number" + UnitHint(column) + ", or null.",
        ColumnType.Boolean => "Must be true, false or null.",
        ColumnType.Category => $"Must be a string, one of {string.Join(", ", column.Categories?.Keys ?? [])}, or null.",
        _ => "Must be a string or null.",
    };

    private static string UnitHint(ColumnSpec column)
    {
        var units = Units(column).ToList();
        return units.Count switch
        {
            0 => "",
            1 => $" ({units[0]})",
            _ => $" ({units[0]}), or a string with a unit ({string.Join(", ", units)})",
        };
    }

    private static IEnumerable<string> Units(ColumnSpec column)
        => (column.Unit is null ? [] : new[] { column.Unit }).Concat(column.Units?.Keys ?? []);

    /// <summary>The contract column behind a feature; derived columns become plain columns with their range;
    /// a feature the contract does not know is checked by its model-side type only.</summary>
    private static ColumnSpec ColumnFor(InputFeature feature, DatasetContract? contract, out int? topCode)
    {
        topCode = null;
        if (contract?.Columns.FirstOrDefault(c => c.Name == feature.Name) is { } column)
        {
            return column;
        }

        if (contract?.Derived.FirstOrDefault(d => d.Name == feature.Name) is { } derived)
        {
            topCode = derived.TopCode;

            // Derived from required columns, so every training row had it.
            var required = derived.From.All(f => contract.Columns.FirstOrDefault(c => c.Name == f)?.Required == true);
            return new ColumnSpec { Name = derived.Name, Type = derived.Type, Unit = derived.Unit, Range = derived.Range, Required = required };
        }

        return feature.Type switch
        {
            "category" => new ColumnSpec
            {
                Name = feature.Name,
                Type = ColumnType.Category,
                Categories = (feature.Categories ?? []).ToDictionary(c => c, _ => (IReadOnlyList<string>)[], StringComparer.Ordinal),
            },
            "boolean" => new ColumnSpec { Name = feature.Name, Type = ColumnType.Boolean },
            _ => new ColumnSpec { Name = feature.Name, Type = ColumnType.Number, Unit = feature.Unit },
        };
    }

    private sealed record Field(InputFeature Feature, ColumnNormalizer Normalizer, int? TopCode, string Expected);
}
