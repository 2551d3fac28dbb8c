using System.ComponentModel.DataAnnotations;

namespace HealthAnalytics.Training;

/// <summary>Settings of model training (section <c>Training</c>), validated at start-up.</summary>
public sealed class TrainingOptions
{
    public const string SectionName = "Training";

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
