namespace HealthAnalytics.Curated;

/// <summary>Curated Parquet (<c>curated/{dataset}/partner={partner}/{uploadId}.parquet</c>).</summary>
public interface ICuratedStore
{
    /// <summary>Creates the blob only if it does not exist yet (<c>If-None-Match: *</c>), so a redelivered
    /// event can never overwrite an earlier output.</summary>
    /// <returns><see cref="CuratedWrite.Created"/>, or <see cref="CuratedWrite.AlreadyExisted"/> when a
    /// previous run already committed this path.</returns>
    Task<CuratedWrite> CreateIfNotExistsAsync(string path, Stream content, CancellationToken cancellationToken);
}

public enum CuratedWrite
{
    Created,
    AlreadyExisted,
}
