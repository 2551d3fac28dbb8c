using System.IO.Compression;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace HealthAnalytics.Training;

/// <summary>ML.NET row types: the featurizer's dense vector in, scores out.</summary>
internal sealed class FeatureRow
{
    public float[] Features { get; set; } = [];
    public bool Label { get; set; }
}

internal sealed class BinaryScore
{
    public float Score { get; set; }
    public float Probability { get; set; }
    public bool PredictedLabel { get; set; }
    public float[] FeatureContributions { get; set; } = [];
}

internal sealed class ClusterScore
{
    [ColumnName("PredictedLabel")]
    public uint ClusterId { get; set; }

    [ColumnName("Score")]
    public float[] Distances { get; set; } = [];
}

/// <summary>One ML.NET model of a bundle: the transformer and the input schema it was fitted on (saved with it).</summary>
public sealed record BundledModel(ITransformer Transformer, DataViewSchema InputSchema);

/// <summary>
/// A trained model as stored in <c>models/{model}/{version}/model.zip</c>: a zip holding <c>manifest.json</c>
/// (featurizer, input schema, task-specific <see cref="ModelManifest.Parameters"/>) and any number of named ML.NET
/// models as <c>mlnet/{name}.zip</c> (binary classification and clustering store one, <see cref="MainModel"/>; a task
/// whose model is plain parameters stores none). Bundles written before named models (one <c>mlnet.zip</c>) load
/// with that model as <see cref="MainModel"/>.
/// </summary>
public sealed class ModelBundle
{
    /// <summary>The name of the model a single-model task stores.</summary>
    public const string MainModel = "main";

    private const string ManifestEntry = "manifest.json";
    private const string LegacyMlNetEntry = "mlnet.zip";
    private const string MlNetFolder = "mlnet/";

    /// <summary>A single-model bundle over the featurizer's vector (binary classification, clustering).</summary>
    internal ModelBundle(ModelManifest manifest, MLContext ml, ITransformer transformer)
        : this(manifest, ml, new Dictionary<string, BundledModel>(StringComparer.Ordinal)
        {
            [MainModel] = new(transformer, View(ml, [], manifest.Featurizer.Width, null).Schema),
        })
    {
    }

    /// <param name="models">Named ML.NET models (names: lower-case letters, digits and <c>-</c>); may be empty.</param>
    public ModelBundle(ModelManifest manifest, MLContext ml, IReadOnlyDictionary<string, BundledModel> models)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(ml);
        ArgumentNullException.ThrowIfNull(models);
        foreach (var name in models.Keys)
        {
            if (name.Length is 0 or > 64 || !name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-'))
            {
                throw new ArgumentException("A bundled model name must be 1-64 lower-case letters, digits or '-'.", nameof(models));
            }
        }

        Manifest = manifest;
        Ml = ml;
        Models = models;
    }

    public ModelManifest Manifest { get; }
    public MLContext Ml { get; }

    /// <summary>The named ML.NET models.</summary>
    public IReadOnlyDictionary<string, BundledModel> Models { get; }

    /// <summary>The <see cref="MainModel"/> of a single-model task.</summary>
    public ITransformer Transformer => Models.TryGetValue(MainModel, out var main)
        ? main.Transformer
        : throw new InvalidDataException("model.zip has no main ML.NET model.");

    internal static SchemaDefinition RowSchema(int width)
    {
        var schema = SchemaDefinition.Create(typeof(FeatureRow));
        schema[nameof(FeatureRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, width);
        return schema;
    }

    /// <summary>Rows of a row-major matrix as an ML.NET data view, produced lazily (streamed to the trainer).</summary>
    internal static IDataView View(MLContext ml, float[] matrix, int width, bool[]? labels, IReadOnlyList<int>? rows = null)
    {
        var count = rows?.Count ?? (matrix.Length / Math.Max(1, width));
        IEnumerable<FeatureRow> Enumerate()
        {
            for (var i = 0; i < count; i++)
            {
                var r = rows?[i] ?? i;
                yield return new FeatureRow { Features = matrix.AsSpan(r * width, width).ToArray(), Label = labels?[r] ?? false };
            }
        }

        return ml.Data.LoadFromEnumerable(Enumerate(), RowSchema(width));
    }

    public byte[] ToBytes()
    {
        using var output = new MemoryStream();
        using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            using (var s = zip.CreateEntry(ManifestEntry, CompressionLevel.Optimal).Open())
            {
                JsonSerializer.Serialize(s, Manifest, ModelSpecReader.Json);
            }

            foreach (var (name, bundled) in Models.OrderBy(m => m.Key, StringComparer.Ordinal))
            {
                using var model = new MemoryStream();
                Ml.Model.Save(bundled.Transformer, bundled.InputSchema, model);
                using var m = zip.CreateEntry(MlNetFolder + name + ".zip", CompressionLevel.NoCompression).Open();
                model.Position = 0;
                model.CopyTo(m);
            }
        }

        return output.ToArray();
    }

    public static ModelBundle Load(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
        ModelManifest manifest;
        using (var s = (zip.GetEntry(ManifestEntry) ?? throw new InvalidDataException("model.zip has no manifest.")).Open())
        {
            manifest = JsonSerializer.Deserialize<ModelManifest>(s, ModelSpecReader.Json) ?? throw new InvalidDataException("model.zip manifest is empty.");
        }

        var ml = new MLContext(seed: 0);
        var models = new Dictionary<string, BundledModel>(StringComparer.Ordinal);
        foreach (var entry in zip.Entries)
        {
            var name = entry.FullName == LegacyMlNetEntry ? MainModel
                : entry.FullName.StartsWith(MlNetFolder, StringComparison.Ordinal) && entry.FullName.EndsWith(".zip", StringComparison.Ordinal)
                    ? entry.FullName[MlNetFolder.Length..^".zip".Length]
                    : null;
            if (name is null)
            {
                continue;
            }

            using var model = new MemoryStream();
            using (var m = entry.Open())
            {
                m.CopyTo(model);
            }

            model.Position = 0;
            var transformer = ml.Model.Load(model, out var inputSchema);
            models[name] = new BundledModel(transformer, inputSchema);
        }

        return new ModelBundle(manifest, ml, models);
    }
}
