using System.Collections.Concurrent;
using HealthAnalytics.Training;

namespace HealthAnalytics.Serving;

/// <summary>One champion as served: an immutable snapshot that in-flight requests keep using after a swap.</summary>
/// <param name="TrainingDataHash">The version's data fingerprint (spec, contract version, uploads used).</param>
public sealed record LoadedChampion(string Model, string Version, string TrainingDataHash, ModelPredictor Predictor, DateTimeOffset LoadedAt);

/// <summary>
/// Loaded champions for serving: one <see cref="ModelPredictor"/> per model and champion version, loaded once and
/// swapped when the registry's champion pointer changes. The pointer is re-read at most every
/// <see cref="Refresh"/> (capped at <see cref="MaxRefresh"/> so a promotion elsewhere is served within 30 s);
/// a swap replaces an immutable reference, so requests already holding the old predictor finish on it and its
/// pooled engines are collected with it.
/// </summary>
public sealed class ChampionModels(IModelRegistry registry, IModelArtifactStore artifacts, TimeProvider time, TimeSpan refresh) : IDisposable
{
    /// <summary>Longest time between two reads of a champion pointer.</summary>
    public static readonly TimeSpan MaxRefresh = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _gates = new(StringComparer.Ordinal);

    public TimeSpan Refresh { get; } = refresh > TimeSpan.Zero && refresh < MaxRefresh ? refresh : MaxRefresh;

    /// <summary>Champion version per model currently loaded (for <c>/api/health</c>).</summary>
    public IReadOnlyDictionary<string, string> LoadedVersions =>
        _entries.Where(e => e.Value.Champion is not null).ToDictionary(e => e.Key, e => e.Value.Champion!.Version, StringComparer.Ordinal);

    /// <summary>The champion's predictor, or null when the model has no champion.</summary>
    public async Task<ModelPredictor?> GetAsync(string model, CancellationToken cancellationToken)
        => (await GetChampionAsync(model, cancellationToken))?.Predictor;

    /// <summary>The champion as served now, or null when the model has no champion.</summary>
    public async ValueTask<LoadedChampion?> GetChampionAsync(string model, CancellationToken cancellationToken)
    {
        if (_entries.TryGetValue(model, out var entry) && time.GetUtcNow() - entry.CheckedAt < Refresh)
        {
            return entry.Champion;
        }

        try
        {
            return await RefreshAsync(model, cancellationToken);
        }
        catch (Exception) when (entry?.Champion is not null && !cancellationToken.IsCancellationRequested)
        {
            // Storage hiccup while re-checking: keep serving the loaded champion; the background refresher logs it.
            return entry.Champion;
        }
    }

    /// <summary>
    /// Re-reads the champion pointer and loads the new champion when it changed. While one caller loads, others
    /// keep getting the current champion instead of queueing (only a load while no champion is loaded waits).
    /// </summary>
    public async Task<LoadedChampion?> RefreshAsync(string model, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(model);
        var gate = _gates.GetOrAdd(model, _ => new SemaphoreSlim(1, 1));
        _entries.TryGetValue(model, out var before);
        // Only a loaded champion is worth answering with while another caller loads its successor; with none
        // loaded yet, wait for that load rather than answer "no champion" while one is being loaded.
        if (before?.Champion is not null)
        {
            if (!await gate.WaitAsync(0, cancellationToken))
            {
                return before.Champion;
            }
        }
        else
        {
            await gate.WaitAsync(cancellationToken);
        }

        try
        {
            var started = time.GetUtcNow();
            if (_entries.TryGetValue(model, out var current) && !ReferenceEquals(current, before) && started - current.CheckedAt < Refresh)
            {
                return current.Champion; // someone refreshed while we waited
            }

            var pointer = await registry.GetChampionAsync(model, cancellationToken);
            if (current is not null && current.Pointer == pointer)
            {
                _entries[model] = current with { CheckedAt = started };
                return current.Champion;
            }

            LoadedChampion? champion = null;
            if (pointer is not null)
            {
                var bytes = await artifacts.ReadModelAsync(model, pointer, cancellationToken)
                    ?? throw new InvalidDataException("The champion's model.zip is missing.");
                var record = await registry.GetAsync(model, pointer, cancellationToken);
                using var stream = new MemoryStream(bytes, writable: false);
                var predictor = new ModelPredictor(ModelBundle.Load(stream));
                champion = new LoadedChampion(model, pointer, record?.Lineage.DataFingerprint ?? "", predictor, time.GetUtcNow());
            }

            _entries[model] = new Entry(pointer, champion, started);
            return champion;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Makes the next call re-read the pointer (after a promotion in this process). The current champion
    /// keeps serving until its successor is loaded.</summary>
    public void Invalidate(string model)
    {
        if (_entries.TryGetValue(model, out var entry))
        {
            _entries.TryUpdate(model, entry with { CheckedAt = DateTimeOffset.MinValue }, entry);
        }
    }

    public void Dispose()
    {
        foreach (var gate in _gates.Values)
        {
            gate.Dispose();
        }
    }

    private sealed record Entry(string? Pointer, LoadedChampion? Champion, DateTimeOffset CheckedAt);
}
