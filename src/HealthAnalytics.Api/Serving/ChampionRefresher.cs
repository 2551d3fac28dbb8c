using HealthAnalytics.Serving;
using HealthAnalytics.Training;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using HealthAnalytics.Config;

namespace HealthAnalytics.Api;

/// <summary>
/// Loads every model's champion at start (so the first prediction does not pay for it) and re-reads the champion
/// pointers every <see cref="ChampionModels.Refresh"/> (≤ 10 s), so a promotion made by another instance or by the
/// training timer is served within seconds, off the request path.
/// </summary>
public sealed partial class ChampionRefresher(ConfigCatalog config, ChampionModels champions, TimeProvider time, ILogger<ChampionRefresher> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(champions.Refresh, time);
        do
        {
            await RefreshAllAsync(stoppingToken);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async Task RefreshAllAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<ModelSpec> all;
        try
        {
            all = (await config.CurrentAsync(cancellationToken)).AllSpecs;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogFailed(log, "*", ex.GetType().Name);
            return;
        }

        foreach (var spec in all)
        {
            try
            {
                var before = champions.LoadedVersions.GetValueOrDefault(spec.Name);
                var after = await champions.RefreshAsync(spec.Name, cancellationToken);
                if (after is not null && after.Version != before)
                {
                    LogSwapped(log, spec.Name, after.Version);
                }
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                LogFailed(log, spec.Name, ex.GetType().Name);
            }
        }
    }

    [LoggerMessage(EventId = 4110, Level = LogLevel.Information, Message = "Serving {Model} champion {Version}")]
    private static partial void LogSwapped(ILogger logger, string model, string version);

    [LoggerMessage(EventId = 4111, Level = LogLevel.Warning, Message = "Refreshing the champion of {Model} failed ({Reason}); the loaded one keeps serving")]
    private static partial void LogFailed(ILogger logger, string model, string reason);
}
