namespace HealthAnalytics.Curated;

/// <summary>One curated upload, as training sees it (lineage: id and content hash).</summary>
/// <param name="Order">Upload order (commit time of the curated file); later wins on duplicate keys.</param>
public sealed record CuratedUpload(string UploadId, string Partner, string ContentHash, DateTimeOffset Order, long Bytes);

/// <summary>Curated data of one dataset (blob container <c>curated</c>): which uploads exist, and their Parquet.</summary>
public interface ICuratedDataSource
{
    /// <summary>Every curated upload of the dataset, oldest first.</summary>
    Task<IReadOnlyList<CuratedUpload>> ListAsync(string dataset, CancellationToken cancellationToken);

    /// <summary>A seekable stream over the upload's Parquet file (the caller disposes it).</summary>
    Task<Stream> OpenAsync(string dataset, CuratedUpload upload, CancellationToken cancellationToken);
}

/// <summary>
/// Typed column arrays of the rows training uses (never strings for numbers): numeric and boolean columns
/// as <see cref="double"/> with NaN for missing, categorical columns as interned strings (null for missing).
/// </summary>
public sealed class TrainingTable
{
    public TrainingTable(int rowCount, IReadOnlyDictionary<string, double[]> numeric, IReadOnlyDictionary<string, string?[]> categorical)
    {
        RowCount = rowCount;
        Numeric = numeric;
        Categorical = categorical;
    }

    public int RowCount { get; }
    public IReadOnlyDictionary<string, double[]> Numeric { get; }
    public IReadOnlyDictionary<string, string?[]> Categorical { get; }

    /// <summary>The rows at <paramref name="indices"/>, in that order.</summary>
    public TrainingTable Select(IReadOnlyList<int> indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        var numeric = Numeric.ToDictionary(p => p.Key, p => Pick(p.Value, indices), StringComparer.Ordinal);
        var categorical = Categorical.ToDictionary(p => p.Key, p => Pick(p.Value, indices), StringComparer.Ordinal);
        return new TrainingTable(indices.Count, numeric, categorical);
    }

    private static T[] Pick<T>(T[] source, IReadOnlyList<int> indices)
    {
        var result = new T[indices.Count];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = source[indices[i]];
        }

        return result;
    }
}
