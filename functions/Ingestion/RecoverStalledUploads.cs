using HealthAnalytics.Ingestion;
using Microsoft.Azure.Functions.Worker;

namespace HealthAnalytics.Functions;

/// <summary>Every 10 minutes: re-ingest uploads a dead host left <c>processing</c> (their redeliveries were
/// acknowledged while its claim was live). The dev host runs the same sweep (<c>StalledUploadSweeper</c>).</summary>
public sealed class RecoverStalledUploads(StalledUploadRecovery recovery)
{
    /// <summary>Fixed, not a setting: the sweep is cheap when nothing is stalled, and it must never be turned off.</summary>
    public const string Schedule = "0 */10 * * * *";

    [Function(nameof(RecoverStalledUploads))]
    public async Task RunAsync([TimerTrigger(Schedule)] TimerInfo timer, CancellationToken cancellationToken)
        => await recovery.RecoverAsync(cancellationToken);
}
