using System.ComponentModel.DataAnnotations;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using HealthAnalytics.Curated;
using HealthAnalytics.Serving;
using HealthAnalytics.Storage;
using HealthAnalytics.Storage.Models;
using HealthAnalytics.Training;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Settings of model training (section <c>Training</c>), validated at start-up.</summary>
public sealed class TrainingOptions
{
    public const string SectionName = "Training";

    /// <summary>Folder holding the shipped <c>contracts/</c> and <c>models/</c> (default: <c>config</c> next to the app).</summary>
    public string ConfigDirectory { get; set; } = Path.Combine(AppContext.BaseDirectory, "config");

    /// <summary>Which specs the schedule trains (a spec's <c>scheduleGroup</c>).</summary>
    [Required]
    [RegularExpression("^[a-z0-9-]{1,32}$")]
    public string ScheduleGroup { get; set; } = "nightly";

    /// <summary>Six-field NCRONTAB (seconds first), as the Functions timer reads <c>%RetrainSchedule%</c>.</summary>
    [Required]
    public string RetrainSchedule { get; set; } = "0 0 2 * * *";

    /// <summary>How often serving re-checks the champion pointer for a hot swap.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ChampionRefresh { get; set; } = TimeSpan.FromSeconds(30);
}

public static class TrainingServiceCollectionExtensions
{
    /// <summary>
    /// Model training, registry and champion loading over the storage clients <c>AddHealthAnalyticsStorage</c>
    /// registers: table <c>Storage:ModelsTable</c>, containers <c>Storage:ModelsContainer</c>, <c>CuratedContainer</c>, <c>ConfigContainer</c>.
    /// </summary>
    public static IServiceCollection AddTraining(this IServiceCollection services, Configuration.IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<TrainingOptions>()
            .Bind(configuration.GetSection(TrainingOptions.SectionName))
            .PostConfigure(o => o.RetrainSchedule = configuration["RetrainSchedule"] is { Length: > 0 } s ? s : o.RetrainSchedule)
            .ValidateDataAnnotations()
            .Validate(o => Directory.Exists(Path.Combine(o.ConfigDirectory, "models")), "Training:ConfigDirectory has no models/ folder.")
            .Validate(o => RetrainSchedule.TryParse(o.RetrainSchedule, out _) is not null, "RetrainSchedule must be a valid six-field NCRONTAB expression (seconds first) whose occurrences are at least one minute apart.")
            .ValidateOnStart();

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IDatasetSchemaProvider>(sp => new FileDatasetSchemaProvider(Options(sp).ConfigDirectory));
        services.TryAddSingleton<IModelSpecOverrides>(sp => new BlobModelSpecOverrides(Container(sp, o => o.ConfigContainer)));
        services.TryAddSingleton(sp => new ModelSpecCatalog(
            Options(sp).ConfigDirectory, sp.GetRequiredService<IModelSpecOverrides>(), sp.GetRequiredService<IDatasetSchemaProvider>(), sp.GetRequiredService<ILogger<ModelSpecCatalog>>()));
        services.TryAddSingleton<ICuratedDataSource>(sp => new BlobCuratedDataSource(Container(sp, o => o.CuratedContainer)));
        services.TryAddSingleton<IModelRegistry>(sp => new TableModelRegistry(ModelsTable(sp)));
        services.TryAddSingleton<IModelArtifactStore>(sp => new BlobModelArtifactStore(Container(sp, o => o.ModelsContainer)));
        services.TryAddSingleton<ITrainingLock>(sp => new BlobTrainingLock(Container(sp, o => o.ModelsContainer)));
        services.TryAddSingleton<ITrainingRunLedger>(sp => new TableTrainingRunLedger(ModelsTable(sp)));
        services.TryAddSingleton(sp => RetrainSchedule.Parse(Options(sp).RetrainSchedule));
        services.TryAddSingleton<TrainingService>();
        services.TryAddSingleton(sp => new ChampionModels(
            sp.GetRequiredService<IModelRegistry>(), sp.GetRequiredService<IModelArtifactStore>(), sp.GetRequiredService<TimeProvider>(), Options(sp).ChampionRefresh));
        return services;
    }

    private static TrainingOptions Options(IServiceProvider sp) => sp.GetRequiredService<IOptions<TrainingOptions>>().Value;

    private static TableClient ModelsTable(IServiceProvider sp)
        => sp.GetRequiredService<TableServiceClient>().GetTableClient(sp.GetRequiredService<IOptions<StorageOptions>>().Value.ModelsTable);

    private static BlobContainerClient Container(IServiceProvider sp, Func<StorageOptions, string> name)
        => sp.GetRequiredService<BlobServiceClient>().GetBlobContainerClient(name(sp.GetRequiredService<IOptions<StorageOptions>>().Value));
}
