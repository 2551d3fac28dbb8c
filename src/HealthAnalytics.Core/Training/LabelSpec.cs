using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace HealthAnalytics.Training;

/// <summary>
/// The outcome column of a supervised spec (docs/models.md, "Labels"). In JSON either a column name
/// (<c>"label": "readmitted_30d"</c>: a boolean column for binary classification, a numeric one for regression) or an
/// object: <c>{"column": "diabetes", "positive": ["pos"]}</c> (binary: the listed values are the positive class, compared
/// after the contract's normalization) or <c>{"column": "glyhb", "threshold": 7, "operator": ">="}</c> (binary: a
/// number compared with the threshold).
/// </summary>
[JsonConverter(typeof(LabelSpecConverter))]
public sealed record LabelSpec
{
    /// <summary>The operators of <see cref="Threshold"/>.</summary>
    public static readonly IReadOnlyList<string> Operators = [">=", ">", "<=", "<"];

    public required string Column { get; init; }

    /// <summary>Binary: the values of <see cref="Column"/> that make the positive class (numbers, categories, strings or booleans).</summary>
    public IReadOnlyList<JsonElement>? Positive { get; init; }

    /// <summary>Binary: a numeric column is positive when <c>value {Operator} Threshold</c>.</summary>
    public double? Threshold { get; init; }

    /// <summary>The comparison with <see cref="Threshold"/>: <c>&gt;=</c> (default), <c>&gt;</c>, <c>&lt;=</c>, <c>&lt;</c>.</summary>
    public string? Operator { get; init; }

    /// <summary>Whether the spec gave the column name alone (errors about the column are then reported at <c>$.label</c>).</summary>
    [JsonIgnore]
    public bool IsColumnOnly => Positive is null && Threshold is null && Operator is null;

    /// <summary>JSON path of the column name in the spec.</summary>
    [JsonIgnore]
    public string ColumnPath => IsColumnOnly ? "$.label" : "$.label.column";

    public static implicit operator LabelSpec(string column) => FromString(column);

    /// <summary>The column-only form.</summary>
    public static LabelSpec FromString(string column) => new() { Column = column };

    /// <summary>The rule in words, for cards (configuration, not data: category levels as the contract lists them).</summary>
    public string Describe()
    {
        if (Threshold is { } t)
        {
            return $"{Column} {Operator ?? ">="} {t.ToString(CultureInfo.InvariantCulture)}";
        }

        return Positive is { } p ? $"{Column} in {{{string.Join(", ", p.Select(v => v.ToString()))}}}" : Column;
    }
}

/// <summary>Reads the string or object form of <see cref="LabelSpec"/>; writes the string form when that is all there is
/// (so a spec's hash does not change with the form it was written in).</summary>
internal sealed class LabelSpecConverter : JsonConverter<LabelSpec>
{
    public override LabelSpec Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return new LabelSpec { Column = reader.GetString()! };
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("must be a column name or an object");
        }

        string? column = null, op = null;
        double? threshold = null;
        List<JsonElement>? positive = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var name = reader.GetString();
            reader.Read();
            switch (name)
            {
                case "column" when reader.TokenType == JsonTokenType.String:
                    column = reader.GetString();
                    break;
                case "operator" when reader.TokenType == JsonTokenType.String:
                    op = reader.GetString();
                    break;
                case "threshold" when reader.TokenType == JsonTokenType.Number:
                    threshold = reader.GetDouble();
                    break;
                case "positive" when reader.TokenType == JsonTokenType.StartArray:
                    positive = [];
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        positive.Add(JsonElement.ParseValue(ref reader));
                    }

                    break;
                default:
                    // An unknown member, or a known one of the wrong JSON type: refused, not ignored.
                    throw new JsonException("has an unknown member or a member of the wrong type");
            }
        }

        return new LabelSpec
        {
            Column = column ?? throw new JsonException("needs a column"),
            Positive = positive,
            Threshold = threshold,
            Operator = op,
        };
    }

    public override void Write(Utf8JsonWriter writer, LabelSpec value, JsonSerializerOptions options)
    {
        if (value.IsColumnOnly)
        {
            writer.WriteStringValue(value.Column);
            return;
        }

        writer.WriteStartObject();
        writer.WriteString("column", value.Column);
        if (value.Positive is { } positive)
        {
            writer.WriteStartArray("positive");
            foreach (var v in positive)
            {
                v.WriteTo(writer);
            }

            writer.WriteEndArray();
        }

        if (value.Threshold is { } t)
        {
            writer.WriteNumber("threshold", t);
        }

        if (value.Operator is { } op)
        {
            writer.WriteString("operator", op);
        }

        writer.WriteEndObject();
    }
}
