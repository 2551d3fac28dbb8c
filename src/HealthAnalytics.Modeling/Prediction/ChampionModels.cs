using System.Collections.Concurrent;
using HealthAnalytics.Modeling.Registry;

namespace HealthAnalytics.Modeling.Prediction;

/// <summary>
/// Loaded champions for serving: one <see cref="ModelPredictor"/> per model, loaded once and swapped when the
/// registry's champion pointer changes (checked at most every <paramref name="refresh"/>).
/// </summary>
public sealed class ChampionModels(IModelRegistry registry, IModelArtifactStore artifacts, TimeProvider time, TimeSpan refresh) : IDisposable
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _loading = new(1, 1);

    /// <summary>The champion's predictor, or null when the model has no champion.</summary>
    public async Task<ModelPredictor?> GetAsync(string model, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_entries.TryGetValue(model, out var entry) && now - entry.CheckedAt < refresh)
        {
            return entry.Predictor;
        }

        var champion = await registry.GetChampionAsync(model, cancellationToken);
        if (entry is not null && entry.Version == champion)
        {
            _entries[model] = entry with { CheckedAt = now };
            return entry.Predictor;
        }

        await _loading.WaitAsync(cancellationToken);
        try
        {
            ModelPredictor? predictor = null;
            if (champion is not null && await artifacts.ReadModelAsync(model, champion, cancellationToken) is { } bytes)
            {
                using var stream = new MemoryStream(bytes, writable: false);
                predictor = new ModelPredictor(ModelBundle.Load(stream));
            }

            _entries[model] = new Entry(champion, predictor, now);
            return predictor;
        }
        finally
        {
            _loading.Release();
        }
    }

    /// <summary>Forgets a model so the next call reloads it (after a promotion in this process).</summary>
    public void Invalidate(string model) => _entries.TryRemove(model, out _);

    public void Dispose() => _loading.Dispose();

    private sealed record Entry(string? Version, ModelPredictor? Predictor, DateTimeOffset CheckedAt);
}
