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

/// <summary>
/// A trained model as stored in <c>models/{model}/{version}/model.zip</c>: a zip holding <c>manifest.json</c>
/// (featurizer, subgroups, input schema) and <c>mlnet.zip</c> (the ML.NET transformer over the feature vector).
/// </summary>
public sealed class ModelBundle
{
    private const string ManifestEntry = "manifest.json";
    private const string MlNetEntry = "mlnet.zip";

    internal ModelBundle(ModelManifest manifest, MLContext ml, ITransformer transformer)
    {
        Manifest = manifest;
        Ml = ml;
        Transformer = transformer;
    }

    public ModelManifest Manifest { get; }
    internal MLContext Ml { get; }
    internal ITransformer Transformer { get; }

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

            using var model = new MemoryStream();
            var width = Manifest.Featurizer.Width;
            Ml.Model.Save(Transformer, View(Ml, [], width, null).Schema, model);
            using var m = zip.CreateEntry(MlNetEntry, CompressionLevel.NoCompression).Open();
            model.Position = 0;
            model.CopyTo(m);
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
        using var model = new MemoryStream();
        using (var m = (zip.GetEntry(MlNetEntry) ?? throw new InvalidDataException("model.zip has no ML.NET model.")).Open())
        {
            m.CopyTo(model);
        }

        model.Position = 0;
        var transformer = ml.Model.Load(model, out _);
        return new ModelBundle(manifest, ml, transformer);
    }
}
