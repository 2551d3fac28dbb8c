using System.Globalization;
using HealthAnalytics.Modeling.Training;
using HealthAnalytics.Synthetic.Cohorts;
using HealthAnalytics.Training.Effects;

namespace HealthAnalytics.Modeling.Tests.Effects;

public sealed class ScratchTests
{
    [Fact]
    public void Scratch()
    {
        var rows = int.Parse(Environment.GetEnvironmentVariable("HA_SCRATCH_ROWS") ?? "5000", CultureInfo.InvariantCulture);
        var assignment = Enum.Parse<TreatmentAssignment>(Environment.GetEnvironmentVariable("HA_SCRATCH_ASSIGN") ?? "Randomized");
        var c = CohortData.Generate(rows, 1, assignment);
        var fit = EffectEstimator.Fit(CohortData.From(c), CohortData.Options(assignment));
        var r = fit.Report!;
        var sd = Math.Sqrt(c.TrueEffect.Select(t => (t - c.TrueAte) * (t - c.TrueAte)).Average());
        var lines = new List<string>
        {
            $"rows {rows} {assignment}: {r.Seconds:F1} s, models {r.ModelsFitted}, kept {r.KeptRows}",
            $"ATE {r.Ate.Value:F4} [{r.Ate.Lower:F4},{r.Ate.Upper:F4}] truth {c.TrueAte:F4}; unadjusted {r.UnadjustedAte.Value:F4}",
            $"true SD {sd:F4}",
        };
        foreach (var l in r.Learners)
        {
            lines.Add($"{l.Learner}: PEHE {l.Pehe:F4} (ratio {l.Pehe / sd:F3}) qini {l.Qini.Coefficient.Value:F4} slope {l.CalibrationSlope.Value:F3}");
        }

        var leaves = fit.OutOfFold!.Leaf;
        var keptIdx = Enumerable.Range(0, rows).Where(i => fit.OutOfFold.Kept[i]).ToArray();
        var ari = ClusteringMath.AdjustedRandIndex(keptIdx.Select(i => leaves[i]).ToArray(), keptIdx.Select(i => c.TrueSubgroup[i]).ToArray());
        lines.Add($"ARI {ari:F3}, alpha {r.Subgroups.PruningAlpha}");
        foreach (var leaf in r.Subgroups.Leaves)
        {
            var truth = keptIdx.Where(i => leaves[i] == leaf.Id).Select(i => c.TrueEffect[i]).DefaultIfEmpty(double.NaN).Average();
            lines.Add($"  {leaf.Rule}: n {leaf.GrowRows}/{leaf.EstimateRows} eff {leaf.Effect.Value:F4} [{leaf.Effect.Lower:F4},{leaf.Effect.Upper:F4}] truth {truth:F4} {leaf.Verdict}");
        }

        lines.Add($"policy share {r.Policy.TreatedShare:F3} value {r.Policy.Value.Value:F4} all {r.Policy.TreatAll.Value:F4} none {r.Policy.TreatNone.Value:F4}");
        File.WriteAllLines("/tmp/scratch.txt", lines);
    }
}
