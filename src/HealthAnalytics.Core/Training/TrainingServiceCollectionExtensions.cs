using HealthAnalytics.Training;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

public static class TrainingServiceCollectionExtensions
{
    /// <summary>
    /// Model specs, training and the retraining schedule, with <see cref="TrainingOptions"/> validated at start-up
    /// (<c>RetrainSchedule</c> wins over <c>Training:RetrainSchedule</c>, as the timer reads <c>%RetrainSchedule%</c>).
    /// Specs and contracts come from the configuration catalog (<c>AddConfig</c>), the ports (curated data, registry,
    /// artifacts, lock, run ledger) from the storage adapters.
    /// </summary>
    public static IServiceCollection AddTraining(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<TrainingOptions>()
            .Bind(configuration.GetSection(TrainingOptions.SectionName))
            .PostConfigure(o => o.RetrainSchedule = configuration["RetrainSchedule"] is { Length: > 0 } s ? s : o.RetrainSchedule)
            .ValidateDataAnnotations()
            .Validate(o => RetrainSchedule.TryParse(o.RetrainSchedule, out _) is not null, "RetrainSchedule must be a valid six-field NCRONTAB expression (seconds first) whose occurrences are at least one minute apart.")
            .ValidateOnStart();

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => RetrainSchedule.Parse(Options(sp).RetrainSchedule));
        services.TryAddSingleton<TrainingService>();
        return services;
    }

    internal static TrainingOptions Options(IServiceProvider sp) => sp.GetRequiredService<IOptions<TrainingOptions>>().Value;
}
