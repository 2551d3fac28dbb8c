using HealthAnalytics.Synthetic.Cohorts;

namespace HealthAnalytics.Training.Tests.Effects;

public sealed class TreatmentCohortGeneratorTests
{
    private static string Csv(TreatmentCohort cohort, out string truth)
    {
        using var csv = new StringWriter();
        using var t = new StringWriter();
        TreatmentCohortGenerator.Write(cohort, csv, t);
        truth = t.ToString();
        return csv.ToString();
    }

    [Fact]
    public void SameSeed_WritesTheSameBytes_AndTheTrialCodedTreatment()
    {
        var options = new TreatmentCohortOptions { Rows = 2000, Seed = 9, Assignment = TreatmentAssignment.Confounded };
        var first = Csv(TreatmentCohortGenerator.Generate(options), out var truth1);
        var second = Csv(TreatmentCohortGenerator.Generate(options), out var truth2);
        Assert.Equal(first, second);
        Assert.Equal(truth1, truth2);
        Assert.NotEqual(first, Csv(TreatmentCohortGenerator.Generate(options with { Seed = 10 }), out _));

        var lines = first.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(string.Join(',', TreatmentCohortGenerator.Header), lines[0]);
        Assert.Equal(2001, lines.Length);
        var trt = lines.Skip(1).Select(l => l.Split(',')[9]).Distinct().Order().ToArray();
        Assert.Equal(["1", "2"], trt);
        Assert.Contains(lines.Skip(1), l => l.Split(',')[4].Length == 0); // a missing CRP
        Assert.Equal(2001, truth1.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public void TruePerPatientEffect_IsTheRiskDifference_AndTheSubgroupFollowsTheDocumentedRules()
    {
        var cohort = TreatmentCohortGenerator.Generate(new TreatmentCohortOptions { Rows = 5000, Seed = 12, MissingScale = 0 });
        for (var i = 0; i < cohort.Rows; i++)
        {
            Assert.Equal(cohort.TreatedRisk[i] - cohort.ControlRisk[i], cohort.TrueEffect[i], 12);
            var advanced = cohort.Stage[i] is "III" or "IV";
            var expected = advanced ? (cohort.Crp[i] >= 10 ? 0 : 1) : (cohort.Age[i] < 65 ? 2 : 3);
            Assert.Equal(expected, cohort.TrueSubgroup[i]);
            Assert.Equal(0.5, cohort.Propensity[i]);
        }

        // Every patient carries exactly the subgroup's effect, and both risks are probabilities.
        foreach (var g in TreatmentCohortGenerator.Subgroups)
        {
            var rows = Enumerable.Range(0, cohort.Rows).Where(i => cohort.TrueSubgroup[i] == g.Index).ToArray();
            Assert.True(rows.Length > 300, $"{g.Name}: {rows.Length}");
            Assert.All(rows, i => Assert.Equal(g.Effect, cohort.TrueEffect[i], 12));
        }

        Assert.All(cohort.ControlRisk.Concat(cohort.TreatedRisk), p => Assert.InRange(p, 0.05, 0.95));
    }

    [Fact]
    public void Assignments_HaveTheDocumentedPropensities()
    {
        var confounded = TreatmentCohortGenerator.Generate(new TreatmentCohortOptions { Rows = 5000, Seed = 13, Assignment = TreatmentAssignment.Confounded });
        Assert.InRange(confounded.Propensity.Min(), 0.1, 0.5);
        Assert.InRange(confounded.Propensity.Max(), 0.5, 0.9);
        var noOverlap = TreatmentCohortGenerator.Generate(new TreatmentCohortOptions { Rows = 5000, Seed = 13, Assignment = TreatmentAssignment.NoOverlap });
        Assert.All(Enumerable.Range(0, noOverlap.Rows).Where(i => noOverlap.Age[i] >= 70), i => Assert.Equal(0.999, noOverlap.Propensity[i]));
        var summary = TreatmentCohortGenerator.Summarize(confounded);
        Assert.Equal(confounded.TrueAte, summary.TrueAte, 12);
        Assert.Equal(confounded.Rows, summary.Subgroups.Sum(s => s.Rows));
    }
}

public sealed class TreatmentCohortContractTests
{
    [Fact]
    public void TheShippedContract_LoadsAndDescribesEveryColumnOfTheCsv()
    {
        var root = Path.GetDirectoryName(HealthAnalytics.Training.Tests.Support.Repo.ConfigDirectory)!;
        var json = File.ReadAllText(Path.Combine(root, "src", "HealthAnalytics.Synthetic", "Cohorts", "treatment-cohort.contract.json"));
        var result = HealthAnalytics.Contracts.ContractLoader.Load(json);
        Assert.True(result.IsValid, string.Join("; ", result.Errors.Select(e => $"{e.Path}: {e.Message}")));
        Assert.Equal(TreatmentCohortGenerator.Header, result.Contract!.Columns.Select(c => c.Name));
    }
}
