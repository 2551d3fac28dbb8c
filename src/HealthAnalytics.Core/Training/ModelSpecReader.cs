using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using HealthAnalytics.Contracts;
using HealthAnalytics.Curated;

namespace HealthAnalytics.Training;

/// <summary>Thrown when a model spec that was accepted cannot be used after all (e.g. its dataset lost a column).</summary>
public sealed class ModelSpecException(string message) : Exception(message);

/// <summary>Either a valid model spec or everything wrong with it.</summary>
public sealed record ModelSpecLoadResult(ModelSpec? Spec, IReadOnlyList<ConfigError> Errors)
{
    public bool IsValid => Spec is not null && Errors.Count == 0;
}

/// <summary>Reads and validates model spec JSON (format: docs/models.md), against the curated schema of its dataset.</summary>
public static class ModelSpecReader
{
    /// <summary>Options of model JSON (specs, manifests, cards): camelCase, kebab-case enums, NaN for an undefined metric.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(new KebabCaseEnumNamingPolicy()) },
    };

    /// <summary>Spec documents only: an unknown member is an error (a misspelt option must not be silently ignored).</summary>
    private static readonly JsonSerializerOptions SpecJson = new(Json)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectNullableAnnotations = true,
    };

    /// <summary>Parses and checks a spec against the curated schema of its dataset (<paramref name="schemaOf"/> gives the
    /// schema of a dataset in force, or null when none is).</summary>
    public static ModelSpecLoadResult Load(string json, Func<string, CuratedSchema?> schemaOf, string source = "shipped")
    {
        var shape = Deserialize(json);
        return shape.Spec is null ? shape : Check(shape.Spec, schemaOf, source);
    }

    /// <summary>The shape check alone: JSON, member names and types. The spec still has to pass <see cref="Check"/>.</summary>
    public static ModelSpecLoadResult Deserialize(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            return JsonSerializer.Deserialize<ModelSpec>(json, SpecJson) is { } spec
                ? new(WithTaskDefaults(spec, json), [])
                : new(null, [new ConfigError("$", "the spec is null")]);
        }
        catch (JsonException ex)
        {
            // The path and line locate the problem; the serializer's message is not echoed (it may quote the document).
            return new(null, [new ConfigError(ex.Path ?? "$", $"is not valid here (line {ex.LineNumber + 1})")]);
        }
    }

    /// <summary>The meaning check of a deserialized spec against the schema of its dataset in force.</summary>
    public static ModelSpecLoadResult Check(ModelSpec spec, Func<string, CuratedSchema?> schemaOf, string source)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(schemaOf);
        var schema = ConfigNames.IsValid(spec.Dataset) ? schemaOf(spec.Dataset) : null;
        var errors = Validate(spec, schema);
        if (schema is null && ConfigNames.IsValid(spec.Dataset))
        {
            errors = [.. errors, new ConfigError("$.dataset", "no dataset contract with this name is in force")];
        }

        return errors.Count == 0 ? new(WithHash(spec, source), errors) : new(null, errors);
    }

    /// <summary>Reads a spec that is known to be well-formed (tests, benchmarks), or throws.</summary>
    public static ModelSpec Parse(string json, string source = "shipped")
    {
        ModelSpec? spec;
        try
        {
            spec = JsonSerializer.Deserialize<ModelSpec>(json, SpecJson);
        }
        catch (JsonException ex)
        {
            throw new ModelSpecException($"Model spec is not valid JSON at {ex.Path} (line {ex.LineNumber + 1}).");
        }

        return WithHash(WithTaskDefaults(spec ?? throw new ModelSpecException("Model spec is empty."), json), source);
    }

    /// <summary>
    /// A spec that names no trainer or no promotion metric gets its task's defaults: the first of
    /// <see cref="IModelTask.Trainers"/> and of <see cref="IModelTask.PromotionMetrics"/> (binary: lightgbm and auc, as
    /// before; survival: cox and cIndex). The members' own C# defaults cannot know the task.
    /// </summary>
    private static ModelSpec WithTaskDefaults(ModelSpec spec, string json)
    {
        if (ModelTasks.Find(spec.Task) is not { } task)
        {
            return spec;
        }

        using var document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        bool Has(string member, string inner) => document.RootElement.EnumerateObject().Any(p =>
            string.Equals(p.Name, member, StringComparison.OrdinalIgnoreCase) && p.Value.ValueKind == JsonValueKind.Object
            && p.Value.EnumerateObject().Any(q => string.Equals(q.Name, inner, StringComparison.OrdinalIgnoreCase)));
        if (!Has("trainer", "name"))
        {
            spec = spec with { Trainer = spec.Trainer with { Name = task.Trainers[0] } };
        }

        if (!Has("promotion", "metric"))
        {
            spec = spec with { Promotion = spec.Promotion with { Metric = task.PromotionMetrics.Keys.First() } };
        }

        return spec;
    }

    private static ModelSpec WithHash(ModelSpec spec, string source) =>
        spec with { Hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(spec, Json)))), Source = source };

    /// <summary>Checks the spec on its own and against the curated schema of its dataset; returns every problem found,
    /// each at its JSON path. Messages never quote the document.</summary>
    public static IReadOnlyList<ConfigError> Validate(ModelSpec spec, CuratedSchema? schema)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var errors = new List<ConfigError>();
        void Add(string path, string message) => errors.Add(new ConfigError(path, message));

        if (!ConfigNames.IsValid(spec.Name))
        {
            Add("$.name", "must be " + ConfigNames.Rule);
        }

        if (!ConfigNames.IsValid(spec.Dataset))
        {
            Add("$.dataset", "must be " + ConfigNames.Rule);
        }

        if (spec.Features.Count == 0)
        {
            Add("$.features", "at least one feature is required");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < spec.Features.Count; i++)
        {
            if (!seen.Add(spec.Features[i].Name))
            {
                Add($"$.features[{i}].name", "names a feature listed before");
            }
        }

        if (spec.Validation.HoldoutFraction is <= 0 or >= 0.9)
        {
            Add("$.validation.holdoutFraction", "must be in (0, 0.9)");
        }

        if (spec.Validation.Kind is not ("holdout" or "time-split" or "cross-validation"))
        {
            Add("$.validation.kind", "must be holdout, cross-validation or time-split");
        }

        if (spec.Validation.Folds is < 2 or > 20)
        {
            Add("$.validation.folds", "must be in [2, 20]");
        }

        if (spec.Validation.Repeats is < 1 or > 20)
        {
            Add("$.validation.repeats", "must be in [1, 20]");
        }

        if (spec.Validation.Kind == "time-split" && string.IsNullOrEmpty(spec.Validation.TimeColumn))
        {
            Add("$.validation.timeColumn", "is required for a time split");
        }

        if (spec.MinimumRows < 10)
        {
            Add("$.minimumRows", "must be at least 10");
        }

        // Task-specific rules come from the task (docs/models.md, "Adding a task").
        if (ModelTasks.Find(spec.Task) is not { } task)
        {
            Add("$.task", "is not implemented yet");
        }
        else
        {
            if (!task.Trainers.Contains(spec.Trainer.Name, StringComparer.Ordinal))
            {
                Add("$.trainer.name", $"must be {OneOf(task.Trainers)} for {spec.Task.Name()}");
            }

            if (!task.PromotionMetrics.ContainsKey(spec.Promotion.Metric))
            {
                Add("$.promotion.metric", $"must be {OneOf([.. task.PromotionMetrics.Keys])} for {spec.Task.Name()}");
            }

            task.Validate(spec, schema, Add);
        }

        if (schema is null)
        {
            return errors;
        }

        for (var i = 0; i < spec.Features.Count; i++)
        {
            var f = spec.Features[i];
            var col = schema.Find(f.Name);
            if (col is null)
            {
                Add($"$.features[{i}].name", "is not a column of the dataset");
            }
            else if (col.Privacy is PrivacyRole.Identifier or PrivacyRole.Direct || col.Dropped)
            {
                // Identifiers and dropped columns are not in curated data, and must never drive a model.
                Add($"$.features[{i}].name", "an identifier, direct identifier or dropped column cannot be a feature");
            }
            else if ((f.Kind ?? FeatureKinds.Infer(col)) is not { } kind)
            {
                Add($"$.features[{i}].name", $"a {TypeName(col.Type)} column cannot be a feature");
            }
            else if (!FeatureKinds.Fits(kind, col.Type))
            {
                // Training reads a categorical feature from curated data as text and a numeric one as a number, and
                // prediction hands the featurizer the value as the contract's normalizer types it: a kind the column is
                // not stored as cannot be read or featurized. A code column that is a category is declared one in the contract.
                Add($"$.features[{i}].kind", kind == FeatureKind.Categorical
                    ? $"a {TypeName(col.Type)} column cannot be categorical; declare it a category in the dataset's contract"
                    : $"a {TypeName(col.Type)} column cannot be {JsonNamingPolicy.CamelCase.ConvertName(kind.ToString())}; only integer, number and boolean columns can");
            }
        }

        if (spec.Validation.TimeColumn is { } tc && schema.Find(tc) is not { Type: ColumnType.Date or ColumnType.DateTime or ColumnType.Integer })
        {
            Add("$.validation.timeColumn", "must be a date or integer column of the dataset");
        }

        return errors;
    }

    /// <summary>Kind of each feature: the spec's override, else what the contract's type implies.</summary>
    public static FeatureKind KindOf(FeatureSpec feature, CuratedSchema schema) =>
        feature.Kind ?? (schema.Find(feature.Name) is { } c ? FeatureKinds.Infer(c) : null)
        ?? throw new ModelSpecException("A feature of this spec is no longer a usable column of its dataset.");

    private static string OneOf(IReadOnlyList<string> names) =>
        names.Count == 1 ? names[0] : string.Join(", ", names.Take(names.Count - 1)) + " or " + names[^1];

    private static string TypeName(ColumnType type) => JsonNamingPolicy.CamelCase.ConvertName(type.ToString()).ToLowerInvariant();

    private sealed class KebabCaseEnumNamingPolicy : JsonNamingPolicy
    {
        public override string ConvertName(string name) => JsonNamingPolicy.KebabCaseLower.ConvertName(name);
    }
}

/// <summary>The feature kind a curated column has when a spec does not say.</summary>
public static class FeatureKinds
{
    public static FeatureKind? Infer(CuratedColumn column)
    {
        ArgumentNullException.ThrowIfNull(column);
        return column.Type switch
        {
            ColumnType.Integer or ColumnType.Number => FeatureKind.Numeric,
            ColumnType.Boolean => FeatureKind.Boolean,
            ColumnType.Category or ColumnType.String => FeatureKind.Categorical,
            _ => null,
        };
    }

    /// <summary>Whether a column of this type can be used as a feature of this kind: categorical on category and string
    /// columns, numeric and boolean on integer, number and boolean columns.</summary>
    public static bool Fits(FeatureKind kind, ColumnType type) => kind == FeatureKind.Categorical
        ? type is ColumnType.Category or ColumnType.String
        : type is ColumnType.Integer or ColumnType.Number or ColumnType.Boolean;
}
