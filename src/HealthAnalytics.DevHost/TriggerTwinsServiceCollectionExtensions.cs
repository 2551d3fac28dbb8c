using HealthAnalytics.DevHost;

namespace Microsoft.Extensions.DependencyInjection;

public static class TriggerTwinsServiceCollectionExtensions
{
    /// <summary>
    /// The dev host's stand-ins for the Function App's non-HTTP triggers, over the same services: <see cref="UploadPoller"/>
    /// for the Event Grid blob trigger <c>IngestUpload</c>, <see cref="StalledUploadSweeper"/> for the timer
    /// <c>RecoverStalledUploads</c>, <see cref="RetrainScheduler"/> for the timer <c>RetrainModels</c>. The parity test
    /// checks that each trigger has its twin running.
    /// </summary>
    public static IServiceCollection AddTriggerTwins(this IServiceCollection services)
    {
        services.AddOptions<UploadPollingOptions>()
            .BindConfiguration(UploadPollingOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddHostedService<UploadPoller>();
        services.AddHostedService<StalledUploadSweeper>();
        services.AddHostedService<RetrainScheduler>();
        return services;
    }
}
