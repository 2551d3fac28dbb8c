namespace HealthAnalytics.Training;

/// <summary>Binary classification metrics on one set of rows.</summary>
public sealed record BinaryMetrics(long Rows, long Positives, double Auc, double Auprc, double LogLoss, double Brier, double F1)
{
    public IReadOnlyDictionary<string, double> ToDictionary() => new SortedDictionary<string, double>(StringComparer.Ordinal)
    {
        ["auc"] = Auc,
        ["auprc"] = Auprc,
        ["logLoss"] = LogLoss,
        ["brier"] = Brier,
        ["f1"] = F1,
    };

    /// <summary>
    /// AUC by ranks (ties averaged), AUPRC as average precision, log-loss with probabilities clipped to
    /// [1e-15, 1 - 1e-15], Brier score, and F1 of <c>p ≥ threshold</c>. NaN where undefined (one class only).
    /// </summary>
    public static BinaryMetrics Compute(ReadOnlySpan<float> probabilities, ReadOnlySpan<bool> labels, double threshold)
    {
        var n = probabilities.Length;
        if (n != labels.Length)
        {
            throw new ArgumentException("Probabilities and labels differ in length.", nameof(labels));
        }

        long positives = 0;
        double logLoss = 0, brier = 0;
        long tp = 0, fp = 0, fn = 0;
        for (var i = 0; i < n; i++)
        {
            var p = (double)probabilities[i];
            var y = labels[i];
            positives += y ? 1 : 0;
            var clipped = Math.Clamp(p, 1e-15, 1 - 1e-15);
            logLoss -= y ? Math.Log(clipped) : Math.Log(1 - clipped);
            brier += (p - (y ? 1 : 0)) * (p - (y ? 1 : 0));
            var predicted = p >= threshold;
            tp += predicted && y ? 1 : 0;
            fp += predicted && !y ? 1 : 0;
            fn += !predicted && y ? 1 : 0;
        }

        if (n == 0)
        {
            return new BinaryMetrics(0, 0, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);
        }

        var negatives = n - positives;
        var order = new int[n];
        for (var i = 0; i < n; i++)
        {
            order[i] = i;
        }

        var keys = probabilities.ToArray();
        Array.Sort(keys, order);

        // AUC = (sum of positive ranks - P(P+1)/2) / (P N), ranks averaged over ties.
        double rankSum = 0;
        for (var i = 0; i < n;)
        {
            var j = i;
            while (j + 1 < n && keys[j + 1] == keys[i])
            {
                j++;
            }

            var averageRank = ((i + j) / 2.0) + 1;
            for (var t = i; t <= j; t++)
            {
                rankSum += labels[order[t]] ? averageRank : 0;
            }

            i = j + 1;
        }

        var auc = positives == 0 || negatives == 0 ? double.NaN : (rankSum - (positives * (positives + 1) / 2.0)) / ((double)positives * negatives);

        // Average precision, walking from the highest score down, one step per distinct score.
        double ap = 0;
        long seenPositives = 0, seen = 0;
        for (var i = n - 1; i >= 0;)
        {
            var j = i;
            long groupPositives = 0;
            while (j >= 0 && keys[j] == keys[i])
            {
                groupPositives += labels[order[j]] ? 1 : 0;
                j--;
            }

            seen += i - j;
            seenPositives += groupPositives;
            ap += groupPositives * ((double)seenPositives / seen);
            i = j;
        }

        var auprc = positives == 0 ? double.NaN : ap / positives;
        var f1 = tp == 0 ? 0 : 2.0 * tp / ((2.0 * tp) + fp + fn);
        return new BinaryMetrics(n, positives, auc, auprc, logLoss / n, brier / n, f1);
    }
}
