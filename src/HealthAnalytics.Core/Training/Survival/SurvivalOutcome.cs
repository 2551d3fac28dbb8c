using HealthAnalytics.Contracts;
using HealthAnalytics.Curated;

namespace HealthAnalytics.Training.Survival;

/// <summary>
/// The time-to-event outcome of a survival spec, read from a training table: the rows that have one, their follow-up
/// times and event indicators, and how many rows had none (docs/survival.md, "Training"). A row whose time or event
/// cell is missing, or whose time is not positive, is left out and counted (each row under its first reason, in the
/// order time missing, event missing, time not positive); every other row is used, censored or not.
/// </summary>
/// <param name="Rows">Indices (into the table read) of the rows with an outcome, ascending.</param>
/// <param name="NonPositiveTime">Rows with a time ≤ 0: no follow-up after the start, so no information on survival
/// after it (also what the reference folds leave out, bench/reference/README.md).</param>
public sealed record SurvivalOutcome(int[] Rows, double[] Times, bool[] Events, int MissingTime, int MissingEvent, int NonPositiveTime)
{
    public int Dropped => MissingTime + MissingEvent + NonPositiveTime;

    public int EventCount => Events.Count(e => e);

    /// <summary>How the event column is held in the training table: numeric columns as numbers, booleans as 0/1,
    /// categories and strings as text.</summary>
    public static FeatureKind EventKind(CuratedColumn column)
    {
        ArgumentNullException.ThrowIfNull(column);
        return column.Type switch
        {
            ColumnType.Boolean => FeatureKind.Boolean,
            ColumnType.Category or ColumnType.String => FeatureKind.Categorical,
            _ => FeatureKind.Numeric,
        };
    }

    /// <summary>Reads the outcome of <paramref name="spec"/> from <paramref name="table"/> (which holds the time and
    /// event columns as <see cref="EventKind"/> says).</summary>
    public static SurvivalOutcome Read(SurvivalSpec spec, CuratedSchema schema, TrainingTable table)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(table);
        var time = table.Numeric[spec.Time];

        // The event values are compared as binary labels' positive values are: after the contract's normalization.
        var isEvent = Outcomes.Binary(EventLabel(spec.Event), schema, table);
        var rows = new List<int>(table.RowCount);
        var events = new List<bool>(table.RowCount);
        int missingTime = 0, missingEvent = 0, nonPositive = 0;
        for (var i = 0; i < table.RowCount; i++)
        {
            if (!double.IsFinite(time[i]))
            {
                missingTime++;
            }
            else if (isEvent[i] is not { } e)
            {
                missingEvent++;
            }
            else if (time[i] <= 0)
            {
                nonPositive++;
            }
            else
            {
                rows.Add(i);
                events.Add(e);
            }
        }

        var indices = rows.ToArray();
        return new SurvivalOutcome(indices, [.. indices.Select(i => time[i])], [.. events], missingTime, missingEvent, nonPositive);
    }

    /// <summary>The event definition as a binary label: the event values are the positive class (a boolean column
    /// without values: <c>true</c>).</summary>
    public static LabelSpec EventLabel(SurvivalEventSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return new LabelSpec { Column = spec.Column, Positive = spec.Values is { Count: > 0 } values ? values : null };
    }
}
