using System.Globalization;
using HealthAnalytics.Bench.Measurement;

namespace HealthAnalytics.Bench.Train;

/// <summary>
/// <c>readmission-risk</c> trained by LightGBM's own C library with the spec's parameters
/// (15 leaves, 150 iterations, learning rate 0.05, at least 50 rows per leaf, 20 % holdout, seed 42).
/// </summary>
public sealed class NativeLightGbmEngine : ITrainEngine
{
    public const int Iterations = 150;

    public string Name => "lightgbm-native";

    public string Model => "readmission-risk";

    public Task<ChildReport> RunAsync(string inputCsv, int threads, CancellationToken ct)
    {
        var effectiveThreads = threads > 0 ? threads : Environment.ProcessorCount;
        var load = EngineClock.Start();
        var matrix = FeatureMatrix.Load(inputCsv);
        var (trainRows, holdoutRows) = matrix.Split(0.2, 42);
        var (trainX, trainY) = matrix.Take(trainRows);
        var (testX, testY) = matrix.Take(holdoutRows);
        var (loadSeconds, _) = load.Stop();

        var parameters = string.Create(CultureInfo.InvariantCulture,
            $"objective=binary num_leaves=15 learning_rate=0.05 min_data_in_leaf=50 num_threads={effectiveThreads} seed=42 deterministic=true verbosity=-1");
        var clock = EngineClock.Start();
        var booster = Train(trainX, trainY, trainRows.Length, parameters, ct);
        var (seconds, cpu) = clock.Stop();
        double auc;
        try
        {
            auc = Auc(Predict(booster, testX, holdoutRows.Length), testY);
        }
        finally
        {
            LightGbmNative.Check(LightGbmNative.LGBM_BoosterFree(booster), "BoosterFree");
        }

        return Task.FromResult(new ChildReport
        {
            Engine = Name,
            Seconds = seconds,
            CpuSeconds = cpu,
            RowsWritten = matrix.Rows,
            Details =
            {
                ["model"] = Model,
                ["loadSeconds"] = loadSeconds.ToString("F3", CultureInfo.InvariantCulture),
                ["trainRows"] = trainRows.Length.ToString(CultureInfo.InvariantCulture),
                ["holdoutRows"] = holdoutRows.Length.ToString(CultureInfo.InvariantCulture),
                ["features"] = FeatureMatrix.Columns.ToString(CultureInfo.InvariantCulture),
                ["auc"] = auc.ToString("F4", CultureInfo.InvariantCulture),
                ["parameters"] = parameters,
                ["threads"] = effectiveThreads.ToString(CultureInfo.InvariantCulture),
            },
        });
    }

    private static unsafe IntPtr Train(float[] x, float[] y, int rows, string parameters, CancellationToken ct)
    {
        IntPtr dataset;
        fixed (float* px = x)
        fixed (float* py = y)
        {
            LightGbmNative.Check(LightGbmNative.LGBM_DatasetCreateFromMat(px, LightGbmNative.DTypeFloat32, rows, FeatureMatrix.Columns, 1, parameters, IntPtr.Zero, out dataset), "DatasetCreateFromMat");
            LightGbmNative.Check(LightGbmNative.LGBM_DatasetSetField(dataset, "label", py, rows, LightGbmNative.DTypeFloat32), "DatasetSetField");
        }

        try
        {
            LightGbmNative.Check(LightGbmNative.LGBM_BoosterCreate(dataset, parameters, out var booster), "BoosterCreate");
            for (var i = 0; i < Iterations; i++)
            {
                ct.ThrowIfCancellationRequested();
                LightGbmNative.Check(LightGbmNative.LGBM_BoosterUpdateOneIter(booster, out var finished), "BoosterUpdateOneIter");
                if (finished != 0)
                {
                    break;
                }
            }

            return booster;
        }
        finally
        {
            LightGbmNative.Check(LightGbmNative.LGBM_DatasetFree(dataset), "DatasetFree");
        }
    }

    private static unsafe double[] Predict(IntPtr booster, float[] x, int rows)
    {
        var result = new double[rows];
        fixed (float* px = x)
        fixed (double* pr = result)
        {
            LightGbmNative.Check(LightGbmNative.LGBM_BoosterPredictForMat(booster, px, LightGbmNative.DTypeFloat32, rows, FeatureMatrix.Columns, 1, 0, 0, -1, "", out _, pr), "BoosterPredictForMat");
        }

        return result;
    }

    /// <summary>Area under the ROC curve by ranks (Mann-Whitney U), ties averaged.</summary>
    public static double Auc(double[] scores, float[] labels)
    {
        var order = Enumerable.Range(0, scores.Length).OrderBy(i => scores[i]).ToArray();
        double rankSumPositive = 0;
        long positives = 0;
        for (var i = 0; i < order.Length;)
        {
            var j = i;
            while (j + 1 < order.Length && scores[order[j + 1]] == scores[order[i]])
            {
                j++;
            }

            var averageRank = (i + j) / 2.0 + 1;
            for (var k = i; k <= j; k++)
            {
                if (labels[order[k]] > 0.5f)
                {
                    rankSumPositive += averageRank;
                    positives++;
                }
            }

            i = j + 1;
        }

        var negatives = scores.Length - positives;
        return positives == 0 || negatives == 0 ? double.NaN : (rankSumPositive - positives * (positives + 1) / 2.0) / (positives * (double)negatives);
    }
}
