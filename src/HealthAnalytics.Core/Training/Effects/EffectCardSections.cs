using System.Globalization;
using System.Text;
using HealthAnalytics.Reporting;
using static HealthAnalytics.Training.CardHtml;

namespace HealthAnalytics.Training.Effects;

/// <summary>
/// The treatment-effect sections of a model card (docs/treatment-effects.md, "Model card"): typed records serialized into
/// <c>card.json</c> and rendered as tables in <c>card.html</c>. Aggregates only: counts, estimates over the analysed rows
/// or over subgroups of at least 30 rows, propensity quantiles (never its minimum or maximum, which are one patient's).
/// </summary>
public static class EffectCard
{
    /// <summary>Fewest rows of a calibration group the card shows (as every group of the card).</summary>
    public const int MinGroupRows = 30;

    internal static string Interval(Estimate? e) => e is null ? "n/a" : $"{N(e.Value)} [{N(e.Lower)}, {N(e.Upper)}]";
}

/// <summary>The estimand, the rows analysed and the average treatment effect beside the unadjusted comparisons.</summary>
public sealed record TreatmentEffectSection(
    EffectDefinition Definition, string Design, string Estimator, int Folds, EffectRowCounts Counts, int KeptRows, int TreatedRows, int ControlRows,
    int Units, Estimate? Ate, Estimate? UnadjustedAte, Estimate? UnadjustedAteAllRows, KaplanMeierRisks? KaplanMeier, string? Refusal) : CardSection
{
    public override string Kind => "treatment-effect";

    public override string Title => "Treatment effect";

    public override void WriteHtml(StringBuilder html)
    {
        ArgumentNullException.ThrowIfNull(html);
        var d = Definition;
        Table(html, ["", ""],
        [
            ["treated arm", E(d.Treated)], ["control arm", E(d.Control)],
            ["outcome", E(d.Outcome + (d.Unit is null ? "" : " (" + d.Unit + ")"))],
            ["effect", E((d.Kind == OutcomeKind.Binary ? "risk difference" : "mean difference") + ", treated − control; " + (d.Direction == OutcomeDirection.LowerIsBetter ? "lower is better" : "higher is better"))],
            ["design / estimator", E($"{Design}, {Estimator}, {Folds} folds per half")],
            ["rows", E($"{Counts.Rows} rows: {Counts.NoArm} without an arm, {Counts.NoOutcome} without an outcome, {Counts.CensoredBeforeHorizon} censored before the horizon; {Counts.Analysed} analysed, {KeptRows} kept after trimming ({TreatedRows} treated, {ControlRows} control, {Units} independent units)")],
        ]);
        if (Refusal is not null)
        {
            html.Append("<p><strong>Not estimated:</strong> ").Append(E(Refusal)).Append("</p>");
            return;
        }

        var rows = new List<IEnumerable<string>>
        {
            new[] { "AIPW (adjusted), kept rows", EffectCard.Interval(Ate), E(Ate?.Rows) },
            new[] { "unadjusted difference in means, kept rows", EffectCard.Interval(UnadjustedAte), E(UnadjustedAte?.Rows) },
            new[] { "unadjusted difference in means, analysed rows", EffectCard.Interval(UnadjustedAteAllRows), E(UnadjustedAteAllRows?.Rows) },
        };
        if (KaplanMeier is { } km)
        {
            rows.Add([E(string.Create(CultureInfo.InvariantCulture, $"Kaplan–Meier risk by {km.Horizon}, treated − control (censored rows kept)")), EffectCard.Interval(km.Difference), E(km.Difference.Rows)]);
        }

        html.Append("<h3>Average treatment effect (95% interval)</h3>");
        Table(html, ["estimate", "effect [95% interval]", "rows"], rows);
    }
}

/// <summary>One learner's out-of-fold evaluation, as the card compares them.</summary>
public sealed record LearnerComparison(
    EffectLearner Learner, bool Chosen, double MeanPredictedEffect, double SdPredictedEffect, Estimate Qini, Estimate CalibrationSlope, double? Pehe);

/// <summary>T-learner and DR-learner side by side on the same cross-fitted rows.</summary>
public sealed record EstimatorComparisonSection(IReadOnlyList<LearnerComparison> Learners) : CardSection
{
    public override string Kind => "estimator-comparison";

    public override string Title => "Estimators compared (out of fold)";

    public override void WriteHtml(StringBuilder html)
    {
        ArgumentNullException.ThrowIfNull(html);
        Table(html, ["learner", "mean predicted effect", "SD of predicted effects", "Qini coefficient [95%]", "calibration slope [95%]", "PEHE (synthetic truth)"],
            Learners.Select(l => (IEnumerable<string>)
            [
                E(l.Learner == EffectLearner.TLearner ? "T-learner" : "DR-learner") + (l.Chosen ? " (the spec's)" : ""),
                N(l.MeanPredictedEffect), N(l.SdPredictedEffect), EffectCard.Interval(l.Qini), EffectCard.Interval(l.CalibrationSlope),
                l.Pehe is { } p ? N(p) : "no truth",
            ]));
    }
}

/// <summary>The honest benefit subgroups: rules in the contract's columns and units, each with its interval (forest plot).</summary>
public sealed record BenefitSubgroupsSection(IReadOnlyList<SubgroupLeaf> Leaves, Estimate? Ate, double PruningAlpha, OutcomeDirection Direction) : CardSection
{
    public override string Kind => "benefit-subgroups";

    public override string Title => "Benefit subgroups (tree grown on some rows, estimated on the others)";

    public override void WriteHtml(StringBuilder html)
    {
        ArgumentNullException.ThrowIfNull(html);
        var rows = Leaves.Select(l => (IEnumerable<string>)
        [
            E(l.Id), E(l.Rule), E(l.GrowRows + l.EstimateRows), N(l.Share), N(l.MeanPredictedEffect), EffectCard.Interval(l.Effect), E(l.Verdict),
        ]).ToList();
        var forest = Leaves.Select(l => new ForestRow("leaf " + l.Id.ToString(CultureInfo.InvariantCulture), l.Effect.Value, l.Effect.Lower, l.Effect.Upper)).ToList();
        if (Ate is not null)
        {
            rows.Add(["", "all patients (AIPW)", E(Ate.Rows), "1", "", EffectCard.Interval(Ate), ""]);
            forest.Add(new ForestRow("all patients", Ate.Value, Ate.Lower, Ate.Upper));
        }

        Table(html, ["leaf", "rule", "rows", "share", "mean predicted effect", "effect [95%] (estimation rows)", "verdict"], rows);

        // The forest plot names the leaves by number only: their rules are in the table above, and a rule may be long.
        html.Append("<div class=\"charts\">").Append(SvgChart.Forest("effect-forest", "Effect per benefit subgroup", "effect (treated − control) with 95% interval", "subgroup", forest,
            caption: "Estimated on the rows the tree was not grown on. Dashed: no effect.")).Append("</div>");
        html.Append("<p>").Append(E(Direction == OutcomeDirection.LowerIsBetter ? "Effects are treated − control; lower is better, so a negative effect is a benefit." : "Effects are treated − control; higher is better.")).Append("</p>");
    }
}

/// <summary>The Qini (uplift) curve and coefficient of the spec's learner, on out-of-fold predictions.</summary>
public sealed record QiniSection(EffectLearner Learner, Estimate Coefficient, IReadOnlyList<QiniPoint> Curve) : CardSection
{
    public override string Kind => "qini";

    public override string Title => "Qini curve (out of fold)";

    public override void WriteHtml(StringBuilder html)
    {
        ArgumentNullException.ThrowIfNull(html);
        html.Append("<p>Qini coefficient ").Append(EffectCard.Interval(Coefficient)).Append(" (area between targeting by predicted benefit and random targeting; above 0 = the ranking helps).</p>");
        Table(html, ["share treated (highest predicted benefit first)", "cumulative benefit per patient", "random targeting"],
            Curve.Select(p => (IEnumerable<string>)[N(p.Fraction), N(p.Gain), N(p.Random)]));
        html.Append("<div class=\"charts\">").Append(SvgChart.Lines("qini", "Qini curve", "share treated (highest predicted benefit first)", "cumulative benefit per patient",
            [new ChartLine("targeting by predicted benefit", [.. Curve.Select(p => (p.Fraction, p.Gain))], ChartLineKind.LineWithPoints),
             new ChartLine("random targeting", [.. Curve.Select(p => (p.Fraction, p.Random))])],
            x: new AxisRange(0, 1), caption: "Out-of-fold predictions: no patient is ranked by a model that saw it.")).Append("</div>");
    }
}

/// <summary>Observed (AIPW) effect within quantile groups of predicted effect, and the calibration slope.</summary>
public sealed record EffectCalibrationSection(EffectLearner Learner, Estimate Slope, IReadOnlyList<CalibrationGroup> Groups, int GroupsOmitted) : CardSection
{
    public override string Kind => "effect-calibration";

    public override string Title => "Calibration of effects (out of fold)";

    public override void WriteHtml(StringBuilder html)
    {
        ArgumentNullException.ThrowIfNull(html);
        html.Append("<p>Calibration slope ").Append(EffectCard.Interval(Slope)).Append(" (1 = predicted differences right on average, 0 = no detectable heterogeneity).</p>");
        Table(html, ["group", "rows", "mean predicted effect", "observed effect [95%]"],
            Groups.Select(g => (IEnumerable<string>)[E(g.Group), E(g.Rows), N(g.MeanPredicted), EffectCard.Interval(g.Observed)]));
        if (GroupsOmitted > 0)
        {
            html.Append("<p>").Append(E(GroupsOmitted)).Append(" group(s) under 30 rows omitted.</p>");
        }
    }
}

/// <summary>"Treat when the estimated benefit exceeds the threshold": its value against treating everyone or no one.</summary>
public sealed record TreatmentPolicySection(PolicyReport Policy, OutcomeDirection Direction) : CardSection
{
    public override string Kind => "treatment-policy";

    public override string Title => "Treatment policy";

    public override void WriteHtml(StringBuilder html)
    {
        ArgumentNullException.ThrowIfNull(html);
        var p = Policy;
        html.Append("<p>").Append(E(string.Create(CultureInfo.InvariantCulture,
            $"Treat when the estimated benefit exceeds {p.Threshold}: {p.TreatedShare:P1} of patients treated. Value = expected mean outcome ({(Direction == OutcomeDirection.LowerIsBetter ? "lower" : "higher")} is better)."))).Append("</p>");
        Table(html, ["policy", "value [95%]"],
        [
            ["policy", EffectCard.Interval(p.Value)], ["treat all", EffectCard.Interval(p.TreatAll)], ["treat none", EffectCard.Interval(p.TreatNone)],
            ["policy − treat all", EffectCard.Interval(p.VersusTreatAll)], ["policy − treat none", EffectCard.Interval(p.VersusTreatNone)],
        ]);
    }
}

/// <summary>The propensity's distribution per arm (quantiles and a 10-bin histogram), without its extremes.</summary>
public sealed record PropensityDistribution(string Arm, int Rows, double P05, double P25, double Median, double P75, double P95, IReadOnlyList<int> Histogram);

/// <summary>Overlap of the arms: where the propensity came from, its distribution, the rows trimmed, and the verdict.</summary>
public sealed record OverlapSection(
    string PropensitySource, double TrimAlpha, IReadOnlyList<PropensityDistribution> Arms, int TrimmedTreated, int TrimmedControl, int KeptRows,
    double TrimmedShare, bool Sufficient, string? Reason) : CardSection
{
    public override string Kind => "overlap";

    public override string Title => "Overlap and trimming";

    public static OverlapSection From(OverlapReport o)
    {
        ArgumentNullException.ThrowIfNull(o);
        return new(o.PropensitySource, o.TrimAlpha,
            [.. o.Arms.Select(a => new PropensityDistribution(a.Arm, a.Rows, a.P05, a.P25, a.Median, a.P75, a.P95, a.Histogram))],
            o.TrimmedTreated, o.TrimmedControl, o.KeptRows, o.TrimmedShare, o.Sufficient, o.Reason);
    }

    public override void WriteHtml(StringBuilder html)
    {
        ArgumentNullException.ThrowIfNull(html);
        html.Append("<p>").Append(E(string.Create(CultureInfo.InvariantCulture,
            $"Propensity: {PropensitySource}. Trimmed (propensity outside [{TrimAlpha}, {1 - TrimAlpha}]): {TrimmedTreated} treated, {TrimmedControl} control ({TrimmedShare:P1}); {KeptRows} rows kept. Overlap {(Sufficient ? "sufficient" : "insufficient")}."))).Append("</p>");
        if (Reason is not null)
        {
            html.Append("<p><strong>").Append(E(Reason)).Append("</strong></p>");
        }

        Table(html, ["arm", "rows", "p5", "p25", "median", "p75", "p95", "histogram over [0, 1] (10 bins)"],
            Arms.Select(a => (IEnumerable<string>)[E(a.Arm), E(a.Rows), N(a.P05), N(a.P25), N(a.Median), N(a.P75), N(a.P95), E(string.Join(" ", a.Histogram))]));
    }
}
