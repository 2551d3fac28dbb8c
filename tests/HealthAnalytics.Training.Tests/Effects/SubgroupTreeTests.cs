using HealthAnalytics.Training.Effects;

namespace HealthAnalytics.Training.Tests.Effects;

public sealed class SubgroupTreeTests
{
    [Fact]
    public void Grow_OnAStepFunction_FindsTheCategorySetThenTheReadableThreshold()
    {
        var random = new Random(11);
        const int n = 4000;
        var x = new double[n];
        var c = new string?[n];
        var target = new double[n];
        string[] levels = ["a", "b", "c", "d"];
        for (var i = 0; i < n; i++)
        {
            x[i] = Math.Round(random.NextDouble() * 100, 1);
            c[i] = levels[random.Next(4)];
            var inAb = c[i] is "a" or "b";
            target[i] = (inAb ? (x[i] < 40 ? 1.0 : 0.0) : -1.0) + (0.1 * (random.NextDouble() - 0.5));
            if (i % 10 == 0)
            {
                x[i] = double.NaN; // missing: goes with whichever side fits it better
            }
        }

        EffectColumn[] columns = [EffectColumn.OfNumbers("x", "mg/L", x), EffectColumn.OfCategories("c", c)];
        var root = SubgroupTreeBuilder.Grow(columns, target, [.. Enumerable.Range(0, n)], maxDepth: 2, minLeaf: 50);

        Assert.Equal(1, root.Column);
        var ab = root.LeftCategories!.SetEquals(["a", "b"]) ? root.Left! : root.Right!;
        Assert.True(root.LeftCategories!.SetEquals(["a", "b"]) || root.LeftCategories!.SetEquals(["c", "d"]));
        Assert.Equal(0, ab.Column);
        Assert.Equal(40, ab.Threshold);
    }

    [Fact]
    public void CostComplexityPruning_CollapsesSplitsThatBuyLessThanAlpha()
    {
        var target = Enumerable.Range(0, 400).Select(i => i < 200 ? 0.0 : 1.0).Select((v, i) => v + (i % 2 == 0 ? 0.01 : -0.01)).ToArray();
        var x = Enumerable.Range(0, 400).Select(i => (double)i).ToArray();
        var noise = Enumerable.Range(0, 400).Select(i => (double)(i * 7919 % 400)).ToArray();
        EffectColumn[] columns = [EffectColumn.OfNumbers("x", null, x), EffectColumn.OfNumbers("noise", null, noise)];
        var root = SubgroupTreeBuilder.Grow(columns, target, [.. Enumerable.Range(0, 400)], 3, 20);
        var alphas = SubgroupTreeBuilder.CriticalAlphas(root);

        Assert.Equal(0, alphas[0]);
        Assert.True(alphas.SequenceEqual(alphas.Order()));
        // Just below the last critical alpha the real split (x < 200, worth 100 in SSE) survives; above it only the root is left.
        var keepsRealSplit = SubgroupTreeBuilder.PruneAt(root, alphas[^1] * 0.99);
        Assert.DoesNotContain(root, keepsRealSplit);
        Assert.Contains(root.Left!, keepsRealSplit);
        Assert.Contains(root, SubgroupTreeBuilder.PruneAt(root, alphas[^1] * 1.01));
    }

    [Fact]
    public void RuleConditions_ReadInTheColumnsOwnTermsAndUnits()
    {
        Assert.Equal("crp >= 10 mg/L", new RuleCondition("crp", "mg/L", 10, null, null, false).ToString());
        Assert.Equal("50 <= age < 65 years", new RuleCondition("age", "years", 50, 65, null, false).ToString());
        Assert.Equal("bmi < 30 kg/m2 or bmi missing", new RuleCondition("bmi", "kg/m2", null, 30, null, true).ToString());
        Assert.Equal("stage in {III, IV}", new RuleCondition("stage", null, null, null, ["III", "IV"], false).ToString());
        Assert.Equal("stage is missing", new RuleCondition("stage", null, null, null, [], true).ToString());
        Assert.Equal(65, SubgroupTreeBuilder.RoundSignificant(64.6));
        Assert.Equal(0.12, SubgroupTreeBuilder.RoundSignificant(0.1234));
        Assert.Equal(130, SubgroupTreeBuilder.RoundSignificant(127));
    }
}
