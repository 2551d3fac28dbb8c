using System.Globalization;
using System.Text.Json;
using HealthAnalytics.Training.Tests.Support;
using HealthAnalytics.Training.Effects;

namespace HealthAnalytics.Training.Tests.Effects;

/// <summary>
/// EffectMath against an independent numpy implementation (Effects/Reference/aipw_reference.py, committed with its
/// inputs and numbers): the same nuisance predictions in, the same ATE, standard errors, policy values, Qini and
/// calibration slope out.
/// </summary>
public sealed class EffectMathReferenceTests
{
    private const double Tolerance = 1e-9;
    private static readonly string Folder = Path.Combine(Path.GetDirectoryName(Repo.ConfigDirectory)!, "tests", "HealthAnalytics.Training.Tests", "Effects", "Reference");

    private static (double[] Y, bool[] T, double[] Mu0, double[] Mu1, double[] E, int[] Cluster, double[] Tau) Inputs()
    {
        var lines = File.ReadAllLines(Path.Combine(Folder, "aipw_inputs.csv")).Skip(1).Where(l => l.Length > 0)
            .Select(l => l.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToArray();
        return ([.. lines.Select(c => c[0])], [.. lines.Select(c => c[1] > 0.5)], [.. lines.Select(c => c[2])], [.. lines.Select(c => c[3])],
            [.. lines.Select(c => c[4])], [.. lines.Select(c => (int)c[5])], [.. lines.Select(c => c[6])]);
    }

    private static JsonElement Reference() => JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "aipw_reference.json"))).RootElement;

    [Fact]
    public void AipwAte_AndItsStandardErrors_MatchTheNumpyReference()
    {
        var (y, t, mu0, mu1, e, cluster, _) = Inputs();
        var reference = Reference();
        var gamma = EffectMath.PseudoOutcomes(y, t, mu0, mu1, e);
        var rows = EffectMath.Mean(gamma);
        var clustered = EffectMath.Mean(gamma, cluster);
        Assert.Equal(reference.GetProperty("aipwAte").GetDouble(), rows.Value, Tolerance);
        Assert.Equal(reference.GetProperty("aipwSe").GetDouble(), rows.StandardError, Tolerance);
        Assert.Equal(reference.GetProperty("aipwSeCluster").GetDouble(), clustered.StandardError, Tolerance);
        Assert.Equal(rows.Value - (Estimate.Z95 * rows.StandardError), rows.Lower, Tolerance);
    }

    [Fact]
    public void UnadjustedDifference_WelchAndClusterRobust_MatchTheNumpyReference()
    {
        var (y, t, _, _, _, cluster, _) = Inputs();
        var reference = Reference();
        var welch = EffectMath.DifferenceInMeans(y, t);
        var clustered = EffectMath.DifferenceInMeans(y, t, cluster);
        Assert.Equal(reference.GetProperty("unadjusted").GetDouble(), welch.Value, Tolerance);
        Assert.Equal(reference.GetProperty("unadjustedSeWelch").GetDouble(), welch.StandardError, Tolerance);
        Assert.Equal(reference.GetProperty("unadjustedSeCluster").GetDouble(), clustered.StandardError, Tolerance);
    }

    [Fact]
    public void PolicyValue_QiniAndCalibrationSlope_MatchTheNumpyReference()
    {
        var (y, t, mu0, mu1, e, _, tau) = Inputs();
        var reference = Reference();
        var (g1, g0) = EffectMath.ArmScores(y, t, mu0, mu1, e);
        var threshold = reference.GetProperty("policyThreshold").GetDouble();
        var (policy, all, none, versusAll, _) = EffectMath.PolicyValue(g1, g0, [.. tau.Select(v => -v > threshold)]);
        Assert.Equal(reference.GetProperty("policyValue").GetDouble(), policy.Value, Tolerance);
        Assert.Equal(reference.GetProperty("policySe").GetDouble(), policy.StandardError, Tolerance);
        Assert.Equal(reference.GetProperty("treatAll").GetDouble(), all.Value, Tolerance);
        Assert.Equal(reference.GetProperty("treatNone").GetDouble(), none.Value, Tolerance);
        Assert.Equal(reference.GetProperty("policyVersusAll").GetDouble(), versusAll.Value, Tolerance);
        Assert.Equal(reference.GetProperty("policyVersusAllSe").GetDouble(), versusAll.StandardError, Tolerance);

        var gamma = EffectMath.PseudoOutcomes(y, t, mu0, mu1, e);
        var qini = EffectMath.Qini([.. tau.Select(v => -v)], [.. gamma.Select(v => -v)]);
        Assert.Equal(reference.GetProperty("qiniCoefficient").GetDouble(), qini.Coefficient.Value, Tolerance);
        Assert.Equal(reference.GetProperty("qiniSe").GetDouble(), qini.Coefficient.StandardError, Tolerance);
        Assert.Equal(0, qini.Curve[0].Gain, Tolerance);
        Assert.Equal(-gamma.Average(), qini.Curve[^1].Gain, Tolerance);

        var slope = EffectMath.CalibrationSlope(tau, gamma);
        Assert.Equal(reference.GetProperty("calibrationSlope").GetDouble(), slope.Value, Tolerance);
        Assert.Equal(reference.GetProperty("calibrationSlopeSe").GetDouble(), slope.StandardError, Tolerance);
    }
}
