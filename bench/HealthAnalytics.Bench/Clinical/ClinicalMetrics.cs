using HealthAnalytics.Training.Survival;

namespace HealthAnalytics.Bench.Clinical;

/// <summary>
/// The suite's metrics on one held-out fold, defined as bench/reference/README.md ("Metric definitions") defines them.
/// AUC and RMSE are computed here, independently of the product's own metric code; Harrell's C is the product's
/// <see cref="Concordance.Harrell"/>, which equals R's <c>concordance(..., reverse = TRUE)</c> (docs/survival.md).
/// </summary>
public static class ClinicalMetrics
{
    /// <summary>The Mann-Whitney statistic P(score of a positive &gt; score of a negative), a tie counting 1/2
    /// (scikit-learn's <c>roc_auc_score</c>), by average ranks. NaN when the fold has one class only.</summary>
    public static double Auc(IReadOnlyList<bool> positive, IReadOnlyList<double> score)
    {
        ArgumentNullException.ThrowIfNull(positive);
        ArgumentNullException.ThrowIfNull(score);
        var n = positive.Count;
        var order = Enumerable.Range(0, n).OrderBy(i => score[i]).ToArray();
        var ranks = new double[n];
        for (var i = 0; i < n;)
        {
            var j = i;
            while (j + 1 < n && score[order[j + 1]] == score[order[i]])
            {
                j++;
            }

            // Tied scores share the mean of their 1-based ranks.
            for (var k = i; k <= j; k++)
            {
                ranks[order[k]] = (i + j + 2) / 2.0;
            }

            i = j + 1;
        }

        double pos = positive.Count(p => p), neg = n - pos;
        if (pos == 0 || neg == 0)
        {
            return double.NaN;
        }

        var rankSum = Enumerable.Range(0, n).Where(i => positive[i]).Sum(i => ranks[i]);
        return (rankSum - (pos * (pos + 1) / 2)) / (pos * neg);
    }

    /// <summary>√(mean (y − ŷ)²).</summary>
    public static double Rmse(IReadOnlyList<double> y, IReadOnlyList<double> prediction)
    {
        ArgumentNullException.ThrowIfNull(y);
        ArgumentNullException.ThrowIfNull(prediction);
        return Math.Sqrt(Enumerable.Range(0, y.Count).Average(i => (y[i] - prediction[i]) * (y[i] - prediction[i])));
    }

    /// <summary>Harrell's C of a risk score (higher = earlier event).</summary>
    public static double HarrellC(IReadOnlyList<double> time, IReadOnlyList<bool> @event, IReadOnlyList<double> risk)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(@event);
        ArgumentNullException.ThrowIfNull(risk);
        return Concordance.Harrell([.. time], [.. @event], [.. risk]).Index;
    }
}
