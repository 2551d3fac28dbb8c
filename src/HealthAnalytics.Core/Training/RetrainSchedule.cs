using Cronos;

namespace HealthAnalytics.Training;

/// <summary>
/// The retraining schedule (six-field NCRONTAB, seconds first, UTC) as both hosts read it. A run's identity is the
/// occurrence it belongs to: the dev host knows it (it waited for it); the Functions timer does not pass it, so
/// <see cref="OccurrenceAt"/> maps the invocation time back to it.
/// </summary>
public sealed class RetrainSchedule
{
    /// <summary>A timer may fire a little early; an invocation this close before an occurrence belongs to it.</summary>
    public static readonly TimeSpan EarlyTolerance = TimeSpan.FromSeconds(30);

    /// <summary>Occurrences must be at least this far apart, so <see cref="EarlyTolerance"/> can't reach the previous one.</summary>
    public static readonly TimeSpan MinimumInterval = TimeSpan.FromMinutes(1);

    private static readonly TimeSpan[] LookBack = [TimeSpan.FromHours(1), TimeSpan.FromDays(1), TimeSpan.FromDays(8), TimeSpan.FromDays(32), TimeSpan.FromDays(367), TimeSpan.FromDays(5 * 366)];

    private readonly CronExpression _cron;

    private RetrainSchedule(CronExpression cron) => _cron = cron;

    /// <summary>Parses and checks an expression; null with a reason when it is not usable.</summary>
    public static RetrainSchedule? TryParse(string? expression, out string? error)
    {
        error = null;
        if (string.IsNullOrWhiteSpace(expression) || expression.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length != 6)
        {
            error = "RetrainSchedule must be a six-field NCRONTAB expression (seconds first).";
            return null;
        }

        CronExpression cron;
        try
        {
            cron = CronExpression.Parse(expression, CronFormat.IncludeSeconds);
        }
        catch (CronFormatException)
        {
            error = "RetrainSchedule is not a valid NCRONTAB expression.";
            return null;
        }

        // Sub-minute gaps come from the seconds field (or several adjacent minutes), so they show within the
        // first occurrences; 1000 from a fixed date keep the start-up check cheap.
        var from = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
        DateTimeOffset? previous = null;
        foreach (var t in cron.GetOccurrences(from, from.AddYears(5), TimeZoneInfo.Utc).Take(1000))
        {
            if (previous is { } p && t - p < MinimumInterval)
            {
                error = "RetrainSchedule occurrences must be at least one minute apart.";
                return null;
            }

            previous = t;
        }

        return new RetrainSchedule(cron);
    }

    public static RetrainSchedule Parse(string expression)
        => TryParse(expression, out var error) ?? throw new FormatException(error);

    /// <summary>The first occurrence strictly after <paramref name="time"/>, or null when there is none.</summary>
    public DateTimeOffset? NextAfter(DateTimeOffset time) => _cron.GetNextOccurrence(time, TimeZoneInfo.Utc);

    /// <summary>
    /// The occurrence an invocation at <paramref name="now"/> belongs to: the latest one at or before
    /// <paramref name="now"/> + <see cref="EarlyTolerance"/>. A late (past-due) invocation maps to the occurrence it
    /// missed, so a host that wakes late and one that woke on time claim the same run.
    /// </summary>
    public DateTimeOffset? OccurrenceAt(DateTimeOffset now)
    {
        var to = now + EarlyTolerance;
        foreach (var span in LookBack)
        {
            DateTimeOffset? last = null;
            foreach (var t in _cron.GetOccurrences(to - span, to, TimeZoneInfo.Utc, fromInclusive: true, toInclusive: true))
            {
                last = t;
            }

            if (last is not null)
            {
                return last;
            }
        }

        return null;
    }
}
