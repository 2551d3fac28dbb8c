using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using HealthAnalytics.Curated;

namespace HealthAnalytics.Training;

/// <summary>Thrown when a model spec is malformed or does not fit its dataset contract.</summary>
public sealed class ModelSpecException(string message) : Exception(message);

/// <summary>Reads and validates model spec JSON (format: docs/models.md).</summary>
public static class ModelSpecReader
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals, // NaN marks an undefined metric
        Converters = { new JsonStringEnumConverter(new KebabCaseEnumNamingPolicy()) },
    };

    public static ModelSpec Parse(string json, string source = "shipped")
    {
        ModelSpec? spec;
        try
        {
            spec = JsonSerializer.Deserialize<ModelSpec>(json, Json);
        }
        catch (JsonException ex)
        {
            // The JSON path and line are enough to fix a spec; the spec holds no patient data.
            throw new ModelSpecException($"Model spec is not valid JSON at {ex.Path} (line {ex.LineNumber}).");
        }

        if (spec is null)
        {
            throw new ModelSpecException("Model spec is empty.");
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(spec, Json))));
        return spec with { Hash = hash, Source = source };
    }

    /// <summary>Checks the spec on its own and against the contract of its dataset; returns every problem found.</summary>
    public static IReadOnlyList<string> Validate(ModelSpec spec, DatasetSchema? schema)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(spec.Name) || !spec.Name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-'))
        {
            errors.Add("name: lower-case letters, digits and '-' only.");
        }

        if (spec.Features.Count == 0)
        {
            errors.Add("features: at least one feature is required.");
        }

        if (spec.Features.Select(f => f.Name).Distinct(StringComparer.Ordinal).Count() != spec.Features.Count)
        {
            errors.Add("features: duplicate feature names.");
        }

        if (spec.Validation.HoldoutFraction is <= 0 or >= 0.9)
        {
            errors.Add("validation.holdoutFraction: must be in (0, 0.9).");
        }

        if (spec.Validation.Kind is not ("holdout" or "time-split"))
        {
            errors.Add("validation.kind: holdout or time-split.");
        }

        if (spec.Validation.Kind == "time-split" && string.IsNullOrEmpty(spec.Validation.TimeColumn))
        {
            errors.Add("validation.timeColumn: required for a time split.");
        }

        if (spec.MinimumRows < 10)
        {
            errors.Add("minimumRows: at least 10.");
        }

        switch (spec.Task)
        {
            case ModelTask.BinaryClassification:
                if (string.IsNullOrEmpty(spec.Label))
                {
                    errors.Add("label: required for binary-classification.");
                }

                if (spec.Trainer.Name is not ("lightgbm" or "fasttree" or "logistic-regression"))
                {
                    errors.Add("trainer.name: lightgbm, fasttree or logistic-regression for binary-classification.");
                }

                if (spec.Threshold is <= 0 or >= 1)
                {
                    errors.Add("threshold: must be in (0, 1).");
                }

                if (spec.Promotion.Metric is not ("auc" or "auprc" or "logLoss" or "brier" or "f1"))
                {
                    errors.Add("promotion.metric: auc, auprc, logLoss, brier or f1 for binary-classification.");
                }

                break;
            case ModelTask.Clustering:
                var k = spec.Clustering ?? new ClusteringSpec();
                if (k.KMin < 2 || k.KMax < k.KMin || k.KMax > 30)
                {
                    errors.Add("clustering: need 2 <= kMin <= kMax <= 30.");
                }

                if (spec.Trainer.Name != "kmeans")
                {
                    errors.Add("trainer.name: kmeans for clustering.");
                }

                if (spec.Promotion.Metric != "silhouette")
                {
                    errors.Add("promotion.metric: silhouette for clustering.");
                }

                break;
            default:
                errors.Add("task: only binary-classification and clustering are implemented.");
                break;
        }

        if (schema is not null)
        {
            foreach (var f in spec.Features)
            {
                var col = schema.Find(f.Name);
                if (col is null)
                {
                    errors.Add($"features.{f.Name}: not a column of dataset '{schema.Name}'.");
                }
                else if (col.Privacy is "identifier" or "direct" || col.Dropped)
                {
                    // Identifiers and dropped columns are not in curated data, and must never drive a model.
                    errors.Add($"features.{f.Name}: an {col.Privacy} or dropped column cannot be a feature.");
                }
                else if ((f.Kind ?? col.InferredKind) is null)
                {
                    errors.Add($"features.{f.Name}: type '{col.Type}' cannot be a feature.");
                }
            }

            if (spec.Label is not null)
            {
                var label = schema.Find(spec.Label);
                if (label is null || label.Type != "boolean")
                {
                    errors.Add($"label: '{spec.Label}' must be a boolean column of dataset '{schema.Name}'.");
                }
                else if (spec.Features.Any(f => f.Name == spec.Label))
                {
                    errors.Add("features: the label cannot be a feature.");
                }
            }

            if (spec.Validation.TimeColumn is { } tc && schema.Find(tc) is not { Type: "date" or "datetime" or "integer" })
            {
                errors.Add($"validation.timeColumn: '{tc}' must be a date or integer column.");
            }
        }

        return errors;
    }

    /// <summary>Kind of each feature: the spec's override, else what the contract's type implies.</summary>
    public static FeatureKind KindOf(FeatureSpec feature, DatasetSchema schema) =>
        feature.Kind ?? schema.Find(feature.Name)?.InferredKind ?? throw new ModelSpecException($"features.{feature.Name}: unknown kind.");

    private sealed class KebabCaseEnumNamingPolicy : JsonNamingPolicy
    {
        public override string ConvertName(string name) => JsonNamingPolicy.KebabCaseLower.ConvertName(name);
    }
}
