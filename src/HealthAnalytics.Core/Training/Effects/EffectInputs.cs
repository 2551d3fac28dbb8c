using System.Globalization;
using System.Text.Json;
using HealthAnalytics.Contracts;
using HealthAnalytics.Curated;
using HealthAnalytics.Training.Survival;

namespace HealthAnalytics.Training.Effects;

/// <summary>Why rows of the training table were left out of the estimation, counted (docs/treatment-effects.md, "Rows").</summary>
/// <param name="Rows">De-duplicated rows of the dataset.</param>
/// <param name="NoArm">Treatment missing or in neither arm's values.</param>
/// <param name="NoOutcome">Outcome (or event time/status) missing.</param>
/// <param name="CensoredBeforeHorizon">Event-by-horizon outcome: followed less than the horizon without the event, so the outcome is unknown.</param>
/// <param name="Analysed">Rows with an arm and an outcome: the estimation's input (trimming may drop more).</param>
public sealed record EffectRowCounts(int Rows, int NoArm, int NoOutcome, int CensoredBeforeHorizon, int Analysed);

/// <summary>
/// The event-by-horizon outcome's censoring-aware comparison: Kaplan–Meier risk by the horizon in each arm over every row
/// with an arm and a follow-up (censored rows included), and their difference with a Greenwood interval.
/// </summary>
public sealed record KaplanMeierRisks(double Horizon, Estimate Treated, Estimate Control, Estimate Difference);

/// <summary>What a spec's treatment and outcome mean, resolved against the curated schema (stored with the model).</summary>
/// <param name="Treated">The treated arm as a readable rule, e.g. <c>trt in {2}</c>.</param>
/// <param name="Outcome">The outcome as a readable phrase, e.g. <c>event_1y in {true}</c> or <c>status in {1} by time 90</c>.</param>
public sealed record EffectDefinition(string Treated, string Control, string Outcome, OutcomeKind Kind, OutcomeDirection Direction, string? Unit);

/// <summary>The estimation's per-row inputs taken from a training table (before featurization).</summary>
internal sealed record EffectRows(
    int[] Rows, bool[] Treated, double[] Outcome, int[]? Clusters, double[]? Truth, EffectRowCounts Counts, KaplanMeierRisks? KaplanMeier);

/// <summary>
/// Turns a <c>treatment-effect</c> spec and a training table into the effect core's per-row inputs: the arm of each row,
/// its outcome (binary, continuous, or an event by a horizon), its cluster and its true effect when the spec names them.
/// Rows without an arm or an outcome are left out and counted; for an event by a horizon, a row followed less than the
/// horizon without the event is left out too (its outcome is unknown) and the Kaplan–Meier comparison, which keeps it,
/// is reported beside the estimate.
/// </summary>
internal static class EffectInputs
{
    public static FeatureKind KindOf(CuratedColumn column) =>
        column.Privacy == PrivacyRole.Identifier ? FeatureKind.Categorical
        : column.Type switch
        {
            ColumnType.Boolean => FeatureKind.Boolean,
            ColumnType.Integer or ColumnType.Number or ColumnType.Date or ColumnType.DateTime => FeatureKind.Numeric,
            _ => FeatureKind.Categorical,
        };

    public static bool IsHorizon(EffectOutcomeSpec outcome) => outcome.Time is not null || outcome.Event is not null || outcome.Horizon is not null;

    /// <summary>A binary outcome (a column with positive values, or a boolean column) rather than a continuous one.</summary>
    public static bool IsBinary(EffectOutcomeSpec outcome, CuratedSchema schema) =>
        IsHorizon(outcome) || outcome.Positive is not null || schema.Find(outcome.Column ?? "") is { Type: ColumnType.Boolean };

    public static EffectDefinition Define(ModelSpec spec, CuratedSchema schema)
    {
        var t = spec.Treatment!;
        var o = spec.Outcome!;
        var direction = o.Better == "higher" ? OutcomeDirection.HigherIsBetter : OutcomeDirection.LowerIsBetter;
        var kind = IsBinary(o, schema) ? OutcomeKind.Binary : OutcomeKind.Continuous;
        string outcome;
        if (IsHorizon(o))
        {
            var unit = schema.Find(o.Time!)?.Unit;
            outcome = string.Create(CultureInfo.InvariantCulture, $"{o.Event} in {{{Text(Positives(o, schema))}}} by {o.Time} {o.Horizon}{(unit is null ? "" : " " + unit)}");
        }
        else
        {
            outcome = kind == OutcomeKind.Binary ? $"{o.Column} in {{{Text(Positives(o, schema))}}}" : o.Column!;
        }

        return new EffectDefinition($"{t.Column} in {{{Text(t.Treated)}}}", $"{t.Column} in {{{Text(t.Control)}}}", outcome, kind, direction,
            kind == OutcomeKind.Continuous ? schema.Find(o.Column!)?.Unit : null);
    }

    public static EffectRows Rows(ModelSpec spec, CuratedSchema schema, TrainingTable table)
    {
        var t = spec.Treatment!;
        var o = spec.Outcome!;
        var n = table.RowCount;
        var arm = Arms(t, schema, table);
        var outcome = new double[n];
        var censored = new bool[n];
        var time = IsHorizon(o) ? table.Numeric[o.Time!] : null;
        bool?[]? events = null;
        if (IsHorizon(o))
        {
            events = Matches(o.Event!, Positives(o, schema), schema, table);
            for (var i = 0; i < n; i++)
            {
                outcome[i] = !double.IsFinite(time![i]) || events[i] is null ? double.NaN
                    : events[i] == true && time[i] <= o.Horizon!.Value ? 1
                    : time[i] >= o.Horizon!.Value ? 0
                    : double.NaN;
                censored[i] = double.IsFinite(time[i]) && events[i] is not null && double.IsNaN(outcome[i]);
            }
        }
        else if (IsBinary(o, schema))
        {
            var positive = Matches(o.Column!, Positives(o, schema), schema, table);
            for (var i = 0; i < n; i++)
            {
                outcome[i] = positive[i] is { } p ? (p ? 1 : 0) : double.NaN;
            }
        }
        else
        {
            Array.Copy(table.Numeric[o.Column!], outcome, n);
        }

        var rows = new List<int>(n);
        int noArm = 0, noOutcome = 0, censoredBefore = 0;
        for (var i = 0; i < n; i++)
        {
            if (arm[i] is null)
            {
                noArm++;
            }
            else if (censored[i])
            {
                censoredBefore++;
            }
            else if (!double.IsFinite(outcome[i]))
            {
                noOutcome++;
            }
            else
            {
                rows.Add(i);
            }
        }

        var analysed = rows.ToArray();
        int[]? clusters = null;
        if (spec.Effects?.Cluster is { } cluster)
        {
            clusters = ClusterIds(cluster, table, analysed);
        }

        double[]? truth = spec.Effects?.Truth is { } truthColumn ? [.. analysed.Select(i => table.Numeric[truthColumn][i])] : null;
        KaplanMeierRisks? km = null;
        if (time is not null)
        {
            var followed = Enumerable.Range(0, n).Where(i => arm[i] is not null && double.IsFinite(time[i]) && events![i] is not null).ToArray();
            km = KaplanMeierAt(o.Horizon!.Value, followed.Select(i => arm[i]!.Value).ToArray(), followed.Select(i => time[i]).ToArray(), followed.Select(i => events![i]!.Value).ToArray());
        }

        return new EffectRows(analysed, [.. analysed.Select(i => arm[i]!.Value)], [.. analysed.Select(i => outcome[i])], clusters, truth,
            new EffectRowCounts(n, noArm, noOutcome, censoredBefore, analysed.Length), km);
    }

    /// <summary>Risk by the horizon (1 − S(h)) per arm from Kaplan–Meier, and the difference treated − control (Greenwood SEs,
    /// the arms independent). Null when an arm has no rows.</summary>
    internal static KaplanMeierRisks? KaplanMeierAt(double horizon, bool[] treated, double[] time, bool[] events)
    {
        Estimate? Risk(bool arm)
        {
            var rows = Enumerable.Range(0, treated.Length).Where(i => treated[i] == arm).ToArray();
            if (rows.Length == 0)
            {
                return null;
            }

            var point = KaplanMeier.Fit([.. rows.Select(i => time[i])], [.. rows.Select(i => events[i])]).At(horizon);
            return Estimate.Of(1 - point.Survival, point.StandardError, rows.Length);
        }

        if (Risk(true) is not { } r1 || Risk(false) is not { } r0)
        {
            return null;
        }

        var se = Math.Sqrt((r1.StandardError * r1.StandardError) + (r0.StandardError * r0.StandardError));
        return new KaplanMeierRisks(horizon, r1, r0, Estimate.Of(r1.Value - r0.Value, se, r1.Rows + r0.Rows));
    }

    /// <summary>The positive values of a binary or event outcome; a boolean column without them means <c>[true]</c>.</summary>
    public static IReadOnlyList<JsonElement> Positives(EffectOutcomeSpec outcome, CuratedSchema schema) =>
        outcome.Positive ?? (schema.Find((IsHorizon(outcome) ? outcome.Event : outcome.Column) ?? "") is { Type: ColumnType.Boolean }
            ? [JsonSerializer.SerializeToElement(true)]
            : []);

    /// <summary>Per row: true = treated, false = control, null = missing or in neither arm.</summary>
    private static bool?[] Arms(TreatmentSpec treatment, CuratedSchema schema, TrainingTable table)
    {
        var treated = Matches(treatment.Column, treatment.Treated, schema, table);
        var control = Matches(treatment.Column, treatment.Control, schema, table);
        return [.. treated.Zip(control, (a, b) => a == true ? true : b == true ? false : (bool?)null)];
    }

    /// <summary>Per row: whether the column's value is one of <paramref name="values"/> (compared after the contract's
    /// normalization, as a binary label's positive values are: aliases, units, boolean words); null when the value is missing.</summary>
    private static bool?[] Matches(string column, IReadOnlyList<JsonElement> values, CuratedSchema schema, TrainingTable table) =>
        Outcomes.Binary(new LabelSpec { Column = column, Positive = values }, schema, table);

    /// <summary>A JSON number, or a boolean as 1/0 (boolean columns are held as 1/0).</summary>
    public static double Number(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.True => 1,
        JsonValueKind.False => 0,
        JsonValueKind.Number => value.GetDouble(),
        _ => double.NaN,
    };

    /// <summary>Cluster numbers of <paramref name="rows"/>; a row with a missing cluster value is a cluster of its own.</summary>
    private static int[] ClusterIds(string column, TrainingTable table, int[] rows)
    {
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        var result = new int[rows.Length];
        for (var r = 0; r < rows.Length; r++)
        {
            var i = rows[r];
            var key = table.Categorical.TryGetValue(column, out var s) ? s[i]
                : double.IsFinite(table.Numeric[column][i]) ? table.Numeric[column][i].ToString("R", CultureInfo.InvariantCulture) : null;
            result[r] = key is null ? -1 - r : ids.TryGetValue(key, out var id) ? id : ids[key] = ids.Count;
        }

        // Rows without a cluster value get fresh numbers after the named clusters.
        var next = ids.Count;
        for (var r = 0; r < result.Length; r++)
        {
            if (result[r] < 0)
            {
                result[r] = next++;
            }
        }

        return result;
    }

    private static string Text(IEnumerable<JsonElement> values) => string.Join(", ", values.Select(v => v.ValueKind switch
    {
        JsonValueKind.String => v.GetString(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => v.GetRawText(),
    }));
}
