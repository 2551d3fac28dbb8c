using System.Globalization;
using System.Text;
using HealthAnalytics.Curated;
using HealthAnalytics.Reporting;

namespace HealthAnalytics.Training;

/// <summary>A point of a ROC or precision–recall curve: the rates at one score threshold.</summary>
/// <param name="Threshold">Rows scoring at least this are called positive.</param>
/// <param name="Rows">Rows called positive at this threshold (a multiple of at least <see cref="BinaryCurvesSection.MinRowsPerPoint"/> more than the previous point).</param>
public sealed record CurvePoint(double X, double Y, double Threshold, long Rows);

/// <summary>One calibration bin: predicted probabilities of its rows against the rate observed, with a Wilson 95 % interval.</summary>
public sealed record CalibrationBin(double MeanPredicted, double Observed, double Low, double High, long Rows);

/// <summary>Permutation importance of one feature on the holdout: how much AUC drops when its values are shuffled.</summary>
/// <param name="Drop">Mean AUC drop over the repeats.</param>
/// <param name="Min">Smallest drop over the repeats.</param>
/// <param name="Max">Largest drop over the repeats.</param>
public sealed record FeatureImportance(string Feature, double Drop, double Min, double Max, int Repeats);

/// <summary>
/// The holdout curves of a binary classifier (docs/console.md, "Model card"): ROC, precision–recall, calibration and
/// permutation importance, computed at training time and stored in <c>card.json</c>. Aggregates only: each curve point
/// and calibration bin adds at least <see cref="MinRowsPerPoint"/> holdout rows to the previous one, so no point stands
/// for one patient.
/// </summary>
public sealed record BinaryCurvesSection : CardSection
{
    /// <summary>Fewest rows a curve point adds, or a calibration bin holds.</summary>
    public const int MinRowsPerPoint = 10;

    public override string Kind => "binary-curves";

    public override string Title => "Holdout curves";

    public required long Rows { get; init; }

    public required long Positives { get; init; }

    public required IReadOnlyList<CurvePoint> Roc { get; init; }

    public required IReadOnlyList<CurvePoint> PrecisionRecall { get; init; }

    public required IReadOnlyList<CalibrationBin> Calibration { get; init; }

    public IReadOnlyList<FeatureImportance> Importance { get; init; } = [];

    /// <summary>Rows of the holdout sample the importance was measured on.</summary>
    public long ImportanceRows { get; init; }

    /// <summary><c>holdout</c>, or <c>out-of-fold</c> (cross-validation: each row scored by the fold model that did not
    /// see it, first repeat; no permutation importance then, since the served model saw every row).</summary>
    public string Evaluation { get; init; } = "holdout";

    public override void WriteHtml(StringBuilder html)
    {
        ArgumentNullException.ThrowIfNull(html);
        var f = CultureInfo.InvariantCulture;
        var unit = new AxisRange(0, 1);
        html.Append("<div class=\"charts\">");
        html.Append(SvgChart.Lines("roc", $"ROC curve ({Evaluation})", "false positive rate", "true positive rate",
            [new ChartLine("model", [.. Roc.Select(p => (p.X, p.Y))])], unit, unit, diagonal: true,
            caption: string.Create(f, $"{Rows} {Evaluation} rows, {Positives} positive; each point adds at least {MinRowsPerPoint} rows. Dashed: chance.")));
        var prevalence = Rows == 0 ? double.NaN : (double)Positives / Rows;
        html.Append(SvgChart.Lines("pr", $"Precision–recall ({Evaluation})", "recall", "precision",
            [new ChartLine("model", [.. PrecisionRecall.Select(p => (p.X, p.Y))]), new ChartLine("prevalence", [(0, prevalence), (1, prevalence)], ChartLineKind.Segments)],
            unit, unit, caption: string.Create(f, $"Grey: the prevalence ({prevalence:0.###}), what a random ranking achieves.")));
        var intervals = Calibration.SelectMany(b => new[] { (b.MeanPredicted, b.Low), (b.MeanPredicted, b.High), (double.NaN, double.NaN) }).ToList();
        html.Append(SvgChart.Lines("calibration", $"Calibration ({Evaluation})", "mean predicted probability", "observed rate",
            [new ChartLine("95% interval", intervals, ChartLineKind.Segments), new ChartLine("bins", [.. Calibration.Select(b => (b.MeanPredicted, b.Observed))], ChartLineKind.LineWithPoints)],
            unit, unit, diagonal: true,
            caption: string.Create(f, $"{Calibration.Count} bins of equal size by predicted probability (at least {MinRowsPerPoint} rows each), Wilson 95% intervals. Dashed: perfect calibration.")));
        if (Importance.Count > 0)
        {
            html.Append(SvgChart.Bars("importance", "Permutation importance", "feature", "AUC drop when shuffled",
                [.. Importance.Select(i => i.Feature)], [new ChartBars("mean drop", [.. Importance.Select(i => i.Drop)])],
                caption: string.Create(f, $"Mean over {Importance[0].Repeats} shuffles of each feature on {ImportanceRows} holdout rows; the table gives the range."), format: "0.####"));
        }

        html.Append("</div>");
        if (Importance.Count == 0 && Evaluation == "out-of-fold")
        {
            html.Append("<p>No permutation importance: the model was cross-validated, and the served model (refit on all rows) saw every row.</p>");
        }

        if (Importance.Count > 0)
        {
            CardHtml.Table(html, ["feature", "mean AUC drop", "min", "max"],
                Importance.Select(i => new[] { CardHtml.E(i.Feature), CardHtml.N(i.Drop), CardHtml.N(i.Min), CardHtml.N(i.Max) }));
        }
    }

    /// <summary>The curves of <paramref name="probabilities"/> against <paramref name="labels"/> (rows scored by a model
    /// that did not see them), and, when <paramref name="model"/> is the held-out model that scored <paramref name="rows"/>,
    /// the permutation importance of each of its features on (a seeded sample of) those rows.</summary>
    public static BinaryCurvesSection Compute(float[] probabilities, bool[] labels, ModelBundle? model, TrainingTable rows, int seed, int importanceRows = 10_000, int repeats = 3)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(probabilities);
        ArgumentNullException.ThrowIfNull(labels);
        var (roc, pr) = RocAndPrecisionRecall(probabilities, labels);
        var (importance, sampled) = model is null ? ([], 0) : Permutation(model, rows, labels, seed, importanceRows, repeats);
        return new BinaryCurvesSection
        {
            Evaluation = model is null ? "out-of-fold" : "holdout",
            Rows = labels.Length,
            Positives = labels.LongCount(l => l),
            Roc = roc,
            PrecisionRecall = pr,
            Calibration = CalibrationBins(probabilities, labels),
            Importance = importance,
            ImportanceRows = sampled,
        };
    }

    /// <summary>Thresholds walked from the highest score down; a point is emitted once at least
    /// max(<see cref="MinRowsPerPoint"/>, n/200) rows were added since the last one, never inside a tie.</summary>
    internal static (List<CurvePoint> Roc, List<CurvePoint> PrecisionRecall) RocAndPrecisionRecall(float[] probabilities, bool[] labels)
    {
        var n = probabilities.Length;
        var positives = labels.LongCount(l => l);
        var negatives = n - positives;
        var roc = new List<CurvePoint>();
        var pr = new List<CurvePoint>();
        if (n < MinRowsPerPoint || positives == 0 || negatives == 0)
        {
            return (roc, pr);
        }

        var order = Enumerable.Range(0, n).OrderByDescending(i => probabilities[i]).ToArray();
        var step = Math.Max(MinRowsPerPoint, n / 200);
        roc.Add(new CurvePoint(0, 0, 1, 0)); // nothing is called positive: the origin
        long tp = 0, fp = 0, sinceLast = 0;
        for (var i = 0; i < n;)
        {
            var score = probabilities[order[i]];
            while (i < n && probabilities[order[i]] == score)
            {
                if (labels[order[i]])
                {
                    tp++;
                }
                else
                {
                    fp++;
                }

                sinceLast++;
                i++;
            }

            // No point is emitted with fewer than the minimum rows left after it, so the last one adds at least that many too.
            if ((sinceLast >= step && n - i >= MinRowsPerPoint) || i == n)
            {
                roc.Add(new CurvePoint((double)fp / negatives, (double)tp / positives, score, tp + fp));
                pr.Add(new CurvePoint((double)tp / positives, (double)tp / (tp + fp), score, tp + fp));
                sinceLast = 0;
            }
        }

        return (roc, pr);
    }

    /// <summary>Up to 10 bins of equal size by predicted probability, each of at least <see cref="MinRowsPerPoint"/> rows.</summary>
    internal static List<CalibrationBin> CalibrationBins(float[] probabilities, bool[] labels)
    {
        var n = probabilities.Length;
        var bins = Math.Min(10, n / MinRowsPerPoint);
        var result = new List<CalibrationBin>();
        if (bins == 0)
        {
            return result;
        }

        var order = Enumerable.Range(0, n).OrderBy(i => probabilities[i]).ToArray();
        for (var b = 0; b < bins; b++)
        {
            var from = (int)((long)b * n / bins);
            var to = (int)((long)(b + 1) * n / bins);
            double predicted = 0;
            long events = 0;
            for (var i = from; i < to; i++)
            {
                predicted += probabilities[order[i]];
                events += labels[order[i]] ? 1 : 0;
            }

            var rows = to - from;
            var (low, high) = Wilson(events, rows);
            result.Add(new CalibrationBin(predicted / rows, (double)events / rows, low, high, rows));
        }

        return result;
    }

    /// <summary>Wilson score interval at 95 % (z = 1.96): stays inside [0, 1] and is honest for rates near 0 or 1.</summary>
    internal static (double Low, double High) Wilson(long events, long rows)
    {
        const double Z = 1.959963984540054;
        var p = (double)events / rows;
        var z2 = Z * Z;
        var centre = (p + (z2 / (2 * rows))) / (1 + (z2 / rows));
        var half = Z * Math.Sqrt((p * (1 - p) / rows) + (z2 / (4.0 * rows * rows))) / (1 + (z2 / rows));
        return (Math.Max(0, centre - half), Math.Min(1, centre + half));
    }

    private static (List<FeatureImportance> Importance, long Rows) Permutation(ModelBundle bundle, TrainingTable holdout, bool[] labels, int seed, int maxRows, int repeats)
    {
        var random = new Random(seed);
        var rows = holdout.RowCount <= maxRows
            ? Enumerable.Range(0, holdout.RowCount).ToArray()
            : [.. Enumerable.Range(0, holdout.RowCount).OrderBy(_ => random.Next()).Take(maxRows).Order()];
        var sample = holdout.Select(rows);
        var sampleLabels = rows.Select(i => labels[i]).ToArray();
        var baseline = BinaryMetrics.Compute(ModelScorer.Probabilities(bundle, sample), sampleLabels, 0.5).Auc;
        var result = new List<FeatureImportance>();
        if (!double.IsFinite(baseline))
        {
            return (result, 0);
        }

        foreach (var feature in bundle.Manifest.Featurizer.Features)
        {
            var drops = new double[repeats];
            for (var r = 0; r < repeats; r++)
            {
                var permutation = Enumerable.Range(0, sample.RowCount).ToArray();
                random.Shuffle(permutation);
                var numeric = sample.Numeric.ToDictionary(p => p.Key, p => p.Key == feature.Name ? [.. permutation.Select(i => p.Value[i])] : p.Value, StringComparer.Ordinal);
                var categorical = sample.Categorical.ToDictionary(p => p.Key, p => p.Key == feature.Name ? [.. permutation.Select(i => p.Value[i])] : p.Value, StringComparer.Ordinal);
                var shuffled = new TrainingTable(sample.RowCount, numeric, categorical);
                drops[r] = baseline - BinaryMetrics.Compute(ModelScorer.Probabilities(bundle, shuffled), sampleLabels, 0.5).Auc;
            }

            result.Add(new FeatureImportance(feature.Name, drops.Average(), drops.Min(), drops.Max(), repeats));
        }

        return ([.. result.OrderByDescending(i => i.Drop).ThenBy(i => i.Feature, StringComparer.Ordinal)], sample.RowCount);
    }
}
