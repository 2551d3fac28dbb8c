using System.Globalization;
using System.Text;
using static HealthAnalytics.Training.CardHtml;

namespace HealthAnalytics.Training.Survival;

/// <summary>
/// The outcome as training saw it: which columns, which values are events, the horizons, and how many rows had an
/// outcome (docs/survival.md, "Model card"). Counts and spec settings only.
/// </summary>
/// <param name="RowsRead">De-duplicated rows read for this version.</param>
/// <param name="RowsUsed">Rows with an outcome: trained and evaluated on.</param>
/// <param name="MedianFollowUp">Reverse Kaplan–Meier median of follow-up (censoring as the event), null when not reached.</param>
public sealed record SurvivalOutcomeSection(
    string TimeColumn,
    string TimeUnit,
    string EventColumn,
    IReadOnlyList<string> EventValues,
    IReadOnlyList<double> Horizons,
    int RowsRead,
    int RowsUsed,
    int MissingTime,
    int MissingEvent,
    int NonPositiveTime,
    int Events,
    int Censored,
    double? MedianFollowUp) : CardSection
{
    public override string Kind => "survival-outcome";

    public override string Title => "Outcome";

    public override void WriteHtml(StringBuilder html)
    {
        ArgumentNullException.ThrowIfNull(html);
        Table(html, ["", ""],
        [
            ["time", E($"{TimeColumn} ({TimeUnit})")],
            ["event", E($"{EventColumn} in [{string.Join(", ", EventValues)}]; any other value is censored")],
            ["horizons", E(string.Join(", ", Horizons.Select(h => N(h))) + " " + TimeUnit)],
            ["rows with an outcome", E($"{RowsUsed} of {RowsRead}: {Events} events, {Censored} censored")],
            ["left out", E($"time missing {MissingTime}, event missing {MissingEvent}, time not positive {NonPositiveTime}")],
            ["median follow-up (reverse Kaplan–Meier)", MedianFollowUp is { } m ? E(N(m) + " " + TimeUnit) : "not reached"],
        ]);
    }
}

/// <summary>Calibration at each horizon: predicted S(t) against the Kaplan–Meier S(t) of the same rows, by risk group.</summary>
/// <param name="Predictions">Which predictions: the holdout's, or the out-of-fold predictions of the first cross-validation repeat.</param>
public sealed record SurvivalCalibrationSection(string Predictions, IReadOnlyList<CalibrationAtHorizon> Horizons) : CardSection
{
    public override string Kind => "survival-calibration";

    public override string Title => "Calibration at the horizons";

    public override void WriteHtml(StringBuilder html)
    {
        ArgumentNullException.ThrowIfNull(html);
        html.Append(CultureInfo.InvariantCulture, $"<p>{E(Predictions)}: rows sorted by predicted S(t) and cut into equal groups of at least 30 rows (group 1 = lowest risk); observed = Kaplan–Meier of the group's rows.</p>");
        SurvivalCardCharts.Calibration(html, this);
        foreach (var h in Horizons)
        {
            html.Append(CultureInfo.InvariantCulture, $"<h3>t = {N(h.Horizon)}: mean |predicted − observed| {N(h.MeanAbsoluteError)}</h3>");
            Table(html, ["group", "rows", "events by t", "mean predicted S(t)", "observed S(t)", "95% interval"],
                h.Groups.Select(g => (IEnumerable<string>)
                [
                    E(g.Group), E(g.Rows), E(g.EventsByHorizon), N(g.MeanPredicted), N(g.Observed), E($"{N(g.ObservedLower)} – {N(g.ObservedUpper)}"),
                ]));
        }
    }
}

/// <summary>A Kaplan–Meier curve of one group, read at the section's grid of times.</summary>
/// <param name="Dimension"><c>all</c>, <c>sex</c>, <c>ageBand</c>, <c>subgroup</c> (patient subgroup) or <c>riskGroup</c>.</param>
/// <param name="Median">Kaplan–Meier median survival time, null when not reached.</param>
public sealed record KaplanMeierGroupCurve(string Dimension, string Group, int Rows, int Events, double? Median, IReadOnlyList<KaplanMeierPoint> Points);

/// <summary>The log-rank test between the groups of one dimension (R's <c>survdiff</c>).</summary>
public sealed record LogRankSummary(string Dimension, double ChiSquare, int DegreesOfFreedom, double PValue, IReadOnlyList<LogRankGroup> Groups);

/// <summary>
/// Kaplan–Meier curves per group with numbers at risk, and a log-rank test per dimension (docs/survival.md, "Model
/// card"). Read at a fixed grid of times (0, the horizons and ten even steps up to the last horizon) rather than at
/// every event time, so the card lists no individual's time; groups under 30 rows are left out.
/// </summary>
/// <param name="Rows">Which rows: every row with an outcome for the descriptive dimensions, held-out (or out-of-fold)
/// rows for <c>riskGroup</c>.</param>
public sealed record KaplanMeierSection(string Rows, IReadOnlyList<double> Times, IReadOnlyList<KaplanMeierGroupCurve> Curves, IReadOnlyList<LogRankSummary> Tests) : CardSection
{
    public override string Kind => "kaplan-meier";

    public override string Title => "Survival by group (Kaplan–Meier)";

    public override void WriteHtml(StringBuilder html)
    {
        ArgumentNullException.ThrowIfNull(html);
        html.Append(CultureInfo.InvariantCulture, $"<p>{E(Rows)}. Each cell: S(t) [95% interval], number at risk.</p>");
        SurvivalCardCharts.KaplanMeier(html, this);
        foreach (var dimension in Curves.GroupBy(c => c.Dimension))
        {
            var curves = dimension.ToList();
            html.Append(CultureInfo.InvariantCulture, $"<h3>{E(dimension.Key)}</h3>");
            Table(html, ["time", .. curves.Select(c => $"{c.Group} ({c.Rows} rows, {c.Events} events, median {(c.Median is { } m ? N(m) : "not reached")})")],
                Times.Select((t, k) => (IEnumerable<string>)
                [
                    N(t), .. curves.Select(c => c.Points[k]).Select(p => E($"{N(p.Survival)} [{N(p.Lower)} – {N(p.Upper)}], {p.NumberAtRisk}")),
                ]));
            if (Tests.FirstOrDefault(x => x.Dimension == dimension.Key) is { } test)
            {
                html.Append(CultureInfo.InvariantCulture, $"<p>Log-rank test: χ² = {N(test.ChiSquare)}, df = {test.DegreesOfFreedom}, p {(test.PValue < 1e-4 ? "&lt; 0.0001" : "= " + N(test.PValue))}; observed / expected events: ");
                html.Append(E(string.Join("; ", test.Groups.Select(g => $"{g.Group} {N(g.Observed)} / {N(g.Expected)}")))).Append("</p>");
            }
        }
    }
}
