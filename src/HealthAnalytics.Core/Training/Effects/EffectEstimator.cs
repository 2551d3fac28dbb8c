using System.Diagnostics;
using System.Globalization;

namespace HealthAnalytics.Training.Effects;

/// <summary>
/// Fits the treatment-effect core of docs/treatment-effects.md: overlap check, cross-fitted nuisances, T- and
/// DR-learner effects, AIPW ATE, honest benefit subgroups, a policy, the out-of-fold evaluation, and the serving
/// models (refitted on all kept rows).
///
/// Cross-fitting: rows are split into two halves and K folds within each half (<see cref="FoldPlan"/>); every model
/// is fitted within one half. A row in fold j gets its nuisances (e, μ0, μ1) and T-learner effect from models fitted
/// on the other folds of its half. The DR-learner's second stage for fold k is fitted on the other folds' pseudo-outcomes,
/// each computed from nuisance models fitted without fold k either (one model per fold pair), so no row's effect comes
/// from a model that its own data reached, directly or through a target. The subgroup tree is grown and pruned on half 0
/// (a share <see cref="SubgroupTreeOptions.GrowShare"/> of the units) from half-0 estimates only, and its leaves are
/// estimated on half 1: the rows that estimate a leaf chose nothing, and no model they reached fed the tree.
/// </summary>
public static class EffectEstimator
{
    public static EffectFit Fit(EffectData data, EffectOptions options)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        data.Validate();
        options.Validate();
        if (options.Folds < 3)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "the DR-learner's pairwise cross-fitting needs at least 3 folds");
        }

        return new Run(data, options).Execute();
    }

    private sealed class Run(EffectData data, EffectOptions options)
    {
        private readonly List<CrossFitRecord> _lineage = [];
        private readonly int _n = data.Rows;
        private readonly int _k = options.Folds;
        private readonly bool _binary = options.Outcome == OutcomeKind.Binary;
        private readonly double _sign = options.Direction == OutcomeDirection.HigherIsBetter ? 1 : -1;
        private readonly FoldPlan _plan = FoldPlan.Create(data.Treated, data.Clusters, options.Folds, options.Seed, options.Tree.GrowShare);
        private int _fitted;

        public EffectFit Execute()
        {
            var clock = Stopwatch.StartNew();
            var treatedRows = data.Treated.Count(t => t);
            var controlRows = _n - treatedRows;

            // 1. Propensity over all rows, for the overlap report and trimming.
            var (source, firstPass) = options.Design == EffectDesign.Observational
                ? ("model", CrossFitPropensity(Enumerable.Range(0, _n).ToArray()))
                : (options.KnownPropensity is null ? "arm-share" : "known", CrossFitPropensity(Enumerable.Range(0, _n).ToArray()));
            var alpha = options.Design == EffectDesign.Observational ? options.TrimAlpha : 0;
            var kept = new bool[_n];
            for (var i = 0; i < _n; i++)
            {
                kept[i] = firstPass[i] >= alpha && firstPass[i] <= 1 - alpha;
            }

            var overlap = CheckOverlap(source, alpha, firstPass, kept, treatedRows, controlRows);
            if (!overlap.Sufficient)
            {
                return new EffectFit { Estimated = false, RefusalReason = overlap.Reason, Overlap = overlap, Lineage = _lineage };
            }

            // 2. Cross-fitted nuisances, effects and pseudo-outcomes, half by half.
            var e = Fill(double.NaN);
            var mu0 = Fill(double.NaN);
            var mu1 = Fill(double.NaN);
            var tauT = Fill(double.NaN);
            var tauDr = Fill(double.NaN);
            for (var h = 0; h < 2; h++)
            {
                var rows = Enumerable.Range(0, _n).Where(i => kept[i] && _plan.Half[i] == h).ToArray();
                CrossFitHalf(h, rows, e, mu0, mu1, tauT, tauDr);
            }

            var keptRows = Enumerable.Range(0, _n).Where(i => kept[i]).ToArray();
            var y = Pick(data.Outcome, keptRows);
            var t = Pick(data.Treated, keptRows);
            var clusters = data.Clusters is null ? null : Pick(data.Clusters, keptRows);
            var (g1Kept, g0Kept) = EffectMath.ArmScores(y, t, Pick(mu0, keptRows), Pick(mu1, keptRows), Pick(e, keptRows));
            var gamma = Fill(double.NaN);
            var g1 = Fill(double.NaN);
            var g0 = Fill(double.NaN);
            for (var j = 0; j < keptRows.Length; j++)
            {
                g1[keptRows[j]] = g1Kept[j];
                g0[keptRows[j]] = g0Kept[j];
                gamma[keptRows[j]] = g1Kept[j] - g0Kept[j];
            }

            // 3. ATE and the unadjusted comparison.
            var gammaKept = Pick(gamma, keptRows);
            var ate = EffectMath.Mean(gammaKept, clusters);
            var unadjusted = EffectMath.DifferenceInMeans(y, t, clusters);
            var unadjustedAll = EffectMath.DifferenceInMeans(data.Outcome, data.Treated, data.Clusters);

            // 4. Evaluation of both learners on out-of-fold effects.
            var learners = new[] { (EffectLearner.TLearner, tauT), (EffectLearner.DRLearner, tauDr) }
                .Select(l => Evaluate(l.Item1, Pick(l.Item2, keptRows), gammaKept, clusters, keptRows)).ToList();
            var chosen = options.Learner == EffectLearner.TLearner ? tauT : tauDr;

            // 5. Honest subgroups and the policy.
            var (tree, leafOf) = BuildTree(chosen, gamma, kept);
            var treat = keptRows.Select(i => _sign * chosen[i] > options.PolicyThreshold).ToArray();
            var (value, all, none, versusAll, versusNone) = EffectMath.PolicyValue(g1Kept, g0Kept, treat, clusters);
            var policy = new PolicyReport(options.PolicyThreshold, treat.Count(x => x) / (double)treat.Length, value, all, none, versusAll, versusNone);

            // 6. Serving models: refitted on every kept row (the cross-fitted ones only served the estimates above).
            var model = FitServing(keptRows, gamma, tree, ate, overlap);

            var report = new EffectReport
            {
                Rows = _n, KeptRows = keptRows.Length, TreatedRows = t.Count(x => x), ControlRows = t.Count(x => !x),
                Units = clusters is null ? keptRows.Length : clusters.Distinct().Count(), Ate = ate, UnadjustedAte = unadjusted,
                UnadjustedAteAllRows = unadjustedAll, Learners = learners, Subgroups = tree, Policy = policy, ModelsFitted = _fitted,
                Seconds = clock.Elapsed.TotalSeconds,
            };
            return new EffectFit
            {
                Estimated = true, Overlap = overlap, Report = report, Model = model, Lineage = _lineage,
                OutOfFold = new OutOfFoldEstimates(kept, _plan.Half, _plan.Fold, e, mu0, mu1, gamma, tauT, tauDr, leafOf),
            };
        }

        /// <summary>Out-of-fold propensity of <paramref name="rows"/> (folds within each half), not clipped.</summary>
        private double[] CrossFitPropensity(int[] rows)
        {
            var result = Fill(double.NaN);
            for (var h = 0; h < 2; h++)
            {
                for (var j = 0; j < _k; j++)
                {
                    var train = rows.Where(i => _plan.Half[i] == h && _plan.Fold[i] != j).ToArray();
                    var test = rows.Where(i => _plan.Half[i] == h && _plan.Fold[i] == j).ToArray();
                    var model = FitPropensity($"overlap e h{h} f{j}", h, train, test);
                    Scatter(result, test, model.Predict(data.Features, test));
                }
            }

            return result;
        }

        private Booster FitPropensity(string name, int half, int[] train, int[] test)
        {
            Booster model;
            if (options.KnownPropensity is { } p)
            {
                model = Booster.ConstantOf(name, BoosterKind.Classifier, p, data.Width);
                Record(model, half, [], test);
                return model;
            }

            model = options.Design == EffectDesign.Observational
                ? Booster.Fit(name, BoosterKind.Classifier, options.PropensityModel, options.Seed, data.Features, data.Width, train, i => data.Treated[i] ? 1 : 0)
                : Booster.ConstantOf(name, BoosterKind.Classifier, train.Length == 0 ? 0.5 : train.Count(i => data.Treated[i]) / (double)train.Length, data.Width);
            _fitted += model.Transformer is null ? 0 : 1;
            Record(model, half, train, test);
            return model;
        }

        private OverlapReport CheckOverlap(string source, double alpha, double[] e, bool[] kept, int treatedRows, int controlRows)
        {
            var arms = new[] { ("treated", true), ("control", false) }
                .Select(a => Summarize(a.Item1, Enumerable.Range(0, _n).Where(i => data.Treated[i] == a.Item2).Select(i => e[i]).ToArray())).ToList();
            var trimmedTreated = Enumerable.Range(0, _n).Count(i => !kept[i] && data.Treated[i]);
            var trimmedControl = Enumerable.Range(0, _n).Count(i => !kept[i] && !data.Treated[i]);
            var keptCount = _n - trimmedTreated - trimmedControl;
            var share = (trimmedTreated + trimmedControl) / (double)_n;
            var ci = CultureInfo.InvariantCulture;
            string? reason = null;
            if (treatedRows < options.MinArmRows || controlRows < options.MinArmRows)
            {
                reason = string.Create(ci, $"too few rows in an arm: {treatedRows} treated, {controlRows} control (at least {options.MinArmRows} each are needed)");
            }
            else if (share > options.MaxTrimmedShare)
            {
                reason = string.Create(ci, $"poor overlap: {trimmedTreated + trimmedControl} of {_n} rows ({share:P1}) have a propensity outside [{alpha:0.###}, {1 - alpha:0.###}] ({trimmedTreated} treated, {trimmedControl} control), more than the {options.MaxTrimmedShare:P0} allowed; the arms are not comparable there");
            }
            else if (treatedRows - trimmedTreated < options.MinArmRows || controlRows - trimmedControl < options.MinArmRows)
            {
                reason = string.Create(ci, $"too few rows in an arm after trimming: {treatedRows - trimmedTreated} treated, {controlRows - trimmedControl} control");
            }
            else if (options.Design == EffectDesign.Observational)
            {
                var keptRows = Enumerable.Range(0, _n).Where(i => kept[i]).OrderBy(i => e[i]).ThenBy(i => i).ToArray();
                for (var d = 0; d < 10 && reason is null; d++)
                {
                    var decile = keptRows[(int)((long)d * keptRows.Length / 10)..(int)((long)(d + 1) * keptRows.Length / 10)];
                    var treatedShare = decile.Count(i => data.Treated[i]) / (double)Math.Max(1, decile.Length);
                    if (decile.Length > 0 && (treatedShare < options.MinArmShareInDecile || treatedShare > 1 - options.MinArmShareInDecile))
                    {
                        reason = string.Create(ci, $"poor overlap: in propensity decile {d + 1} of the kept rows ({decile.Length} rows) the treated share is {treatedShare:P1}; one arm is nearly absent there");
                    }
                }
            }

            return new OverlapReport(source, alpha, arms, trimmedTreated, trimmedControl, keptCount, share, reason is null, reason);
        }

        private static PropensitySummary Summarize(string arm, double[] values)
        {
            if (values.Length == 0)
            {
                return new PropensitySummary(arm, 0, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, new int[10]);
            }

            var sorted = values.Order().ToArray();
            double Q(double q) => sorted[(int)Math.Min(sorted.Length - 1, Math.Floor(q * sorted.Length))];
            var histogram = new int[10];
            foreach (var v in sorted)
            {
                histogram[Math.Clamp((int)(v * 10), 0, 9)]++;
            }

            return new PropensitySummary(arm, sorted.Length, sorted[0], Q(0.05), Q(0.25), Q(0.5), Q(0.75), Q(0.95), sorted[^1], histogram);
        }

        private void CrossFitHalf(int h, int[] rows, double[] e, double[] mu0, double[] mu1, double[] tauT, double[] tauDr)
        {
            var clip = options.KnownPropensity is null ? Math.Max(options.TrimAlpha, 0.01) : 0;
            var outcomeKind = _binary ? BoosterKind.Classifier : BoosterKind.Regression;

            // Fold models: nuisances and T-learner effects for each fold from the other folds of the half.
            for (var j = 0; j < _k; j++)
            {
                var train = rows.Where(i => _plan.Fold[i] != j).ToArray();
                var test = rows.Where(i => _plan.Fold[i] == j).ToArray();
                var (me, m0, m1) = FitNuisances($"h{h} f{j}", h, train, test, outcomeKind);
                Scatter(e, test, me.Predict(data.Features, test).Select(p => Math.Clamp(p, clip, 1 - clip)).ToArray());
                var p0 = m0.Predict(data.Features, test);
                var p1 = m1.Predict(data.Features, test);
                Scatter(mu0, test, p0);
                Scatter(mu1, test, p1);
                Scatter(tauT, test, p1.Zip(p0, (a, b) => a - b).ToArray());
                if (options.RecordLineage)
                {
                    _lineage.Add(new CrossFitRecord($"T-learner h{h} f{j}", h, Union(m0.Lineage, m1.Lineage) ?? [], test));
                }
            }

            // Pair models (j, k), fitted without folds j and k, give the pseudo-outcomes the second stage of fold k trains on.
            var pair = new double[_n * _k * 3];
            var pairLineage = new Dictionary<(int, int), int[]>();
            for (var j = 0; j < _k; j++)
            {
                for (var k = j + 1; k < _k; k++)
                {
                    var train = rows.Where(i => _plan.Fold[i] != j && _plan.Fold[i] != k).ToArray();
                    var test = rows.Where(i => _plan.Fold[i] == j || _plan.Fold[i] == k).ToArray();
                    var (me, m0, m1) = FitNuisances($"h{h} pair {j}-{k}", h, train, test, outcomeKind);
                    var pe = me.Predict(data.Features, test);
                    var p0 = m0.Predict(data.Features, test);
                    var p1 = m1.Predict(data.Features, test);
                    for (var r = 0; r < test.Length; r++)
                    {
                        var i = test[r];
                        var other = _plan.Fold[i] == j ? k : j;
                        var at = ((i * _k) + other) * 3;
                        pair[at] = Math.Clamp(pe[r], clip, 1 - clip);
                        pair[at + 1] = p0[r];
                        pair[at + 2] = p1[r];
                    }

                    if (options.RecordLineage)
                    {
                        pairLineage[(j, k)] = Union(me.Lineage, Union(m0.Lineage, m1.Lineage)) ?? [];
                    }
                }
            }

            // DR second stage for fold k.
            for (var k = 0; k < _k; k++)
            {
                var train = rows.Where(i => _plan.Fold[i] != k).ToArray();
                var test = rows.Where(i => _plan.Fold[i] == k).ToArray();
                var target = new Dictionary<int, double>(train.Length);
                foreach (var i in train)
                {
                    var at = ((i * _k) + k) * 3;
                    var (ei, m0, m1) = (pair[at], pair[at + 1], pair[at + 2]);
                    var yi = data.Outcome[i];
                    target[i] = m1 - m0 + (data.Treated[i] ? (yi - m1) / ei : -(yi - m0) / (1 - ei));
                }

                var model = Booster.Fit($"DR second stage h{h} f{k}", BoosterKind.Regression, options.EffectModel, options.Seed, data.Features, data.Width, train, i => target[i]);
                _fitted += model.Transformer is null ? 0 : 1;
                var predicted = model.Predict(data.Features, test);
                Scatter(tauDr, test, [.. predicted.Select(v => _binary ? Math.Clamp(v, -1, 1) : v)]);
                if (options.RecordLineage)
                {
                    var inherited = Enumerable.Range(0, _k).Where(j => j != k).Select(j => pairLineage[(Math.Min(j, k), Math.Max(j, k))]).Aggregate((int[]?)train, Union);
                    _lineage.Add(new CrossFitRecord(model.Name, h, inherited!, test));
                }
            }
        }

        private (Booster E, Booster Mu0, Booster Mu1) FitNuisances(string name, int half, int[] train, int[] test, BoosterKind outcomeKind)
        {
            var me = FitPropensity("e " + name, half, train, test);
            var control = train.Where(i => !data.Treated[i]).ToArray();
            var treated = train.Where(i => data.Treated[i]).ToArray();
            var m0 = Booster.Fit("mu0 " + name, outcomeKind, options.OutcomeModel, options.Seed, data.Features, data.Width, control, i => data.Outcome[i]);
            var m1 = Booster.Fit("mu1 " + name, outcomeKind, options.OutcomeModel, options.Seed, data.Features, data.Width, treated, i => data.Outcome[i]);
            _fitted += (m0.Transformer is null ? 0 : 1) + (m1.Transformer is null ? 0 : 1);
            Record(m0, half, control, test);
            Record(m1, half, treated, test);
            return (me, m0, m1);
        }

        private void Record(Booster model, int half, int[] trainedOn, int[] scored)
        {
            if (options.RecordLineage)
            {
                model.Lineage = trainedOn;
                _lineage.Add(new CrossFitRecord(model.Name, half, trainedOn, scored));
            }
        }

        private LearnerEvaluation Evaluate(EffectLearner learner, double[] tau, double[] gamma, int[]? clusters, int[] keptRows)
        {
            var benefit = tau.Select(v => _sign * v).ToArray();
            var benefitScores = gamma.Select(v => _sign * v).ToArray();
            var mean = tau.Average();
            var sd = Math.Sqrt(tau.Sum(v => (v - mean) * (v - mean)) / tau.Length);
            double? pehe = data.TrueEffects is null ? null : EffectMath.Pehe(tau, Pick(data.TrueEffects, keptRows));
            return new LearnerEvaluation(learner, mean, sd, EffectMath.Qini(benefit, benefitScores, clusters),
                EffectMath.Calibration(tau, gamma, options.CalibrationGroups, clusters), EffectMath.CalibrationSlope(tau, gamma, clusters), pehe);
        }

        private (SubgroupTree Tree, int[] LeafOf) BuildTree(double[] tau, double[] gamma, bool[] kept)
        {
            var grow = Enumerable.Range(0, _n).Where(i => kept[i] && _plan.Half[i] == 0).ToArray();
            var estimate = Enumerable.Range(0, _n).Where(i => kept[i] && _plan.Half[i] == 1).ToArray();
            var t = options.Tree;
            // MinLeafRows counts the rows that estimate a leaf (an interval needs them), so the floor on growing rows scales
            // with the growing-to-estimation ratio: 30 → 90 growing rows at the default share, for ~30 estimation rows.
            var perEstimationRow = t.GrowShare / (1 - t.GrowShare);
            var minLeaf = Math.Max((int)Math.Ceiling(t.MinLeafRows * perEstimationRow), (int)Math.Ceiling(t.MinLeafShare * grow.Length));
            var columns = data.Columns;
            var full = SubgroupTreeBuilder.Grow(columns, tau, grow, t.MaxDepth, minLeaf);

            // Pruning level by cross-validation inside the growing rows: trees grown on the other folds, scored on the
            // held-out fold against the pseudo-outcome (its squared error is the error against the true effect plus a
            // constant), so the level that predicts real effects best is kept. Ties go to the smaller tree.
            // Levels are complexity parameters relative to the root's sum of squares (as rpart's cp), so that one level
            // means the same on all the growing rows and on the smaller cross-validation trees.
            var alphas = SubgroupTreeBuilder.CriticalAlphas(full).Select(a => full.Sse > 0 ? a / full.Sse : 0).ToList();
            var grid = new List<double>();
            for (var a = 0; a < alphas.Count; a++)
            {
                grid.Add(a + 1 < alphas.Count ? Math.Sqrt(alphas[a] * alphas[a + 1]) : (alphas[a] * 2) + 1e-12);
            }

            // Per-row held-out loss at every level: the choice below compares levels on the same rows (paired).
            var loss = new double[grid.Count][];
            for (var g = 0; g < grid.Count; g++)
            {
                loss[g] = new double[_n];
            }

            var v = t.PruningFolds;
            var scoredRows = new List<int>();
            for (var fold = 0; fold < v; fold++)
            {
                var train = grow.Where(i => _plan.Fold[i] % v != fold).ToArray();
                var held = grow.Where(i => _plan.Fold[i] % v == fold).ToArray();
                if (train.Length == 0 || held.Length == 0)
                {
                    continue;
                }

                scoredRows.AddRange(held);
                var tree = SubgroupTreeBuilder.Grow(columns, tau, train, t.MaxDepth, minLeaf);
                for (var g = 0; g < grid.Count; g++)
                {
                    var collapsed = SubgroupTreeBuilder.PruneAt(tree, grid[g] * tree.Sse);
                    foreach (var i in held)
                    {
                        var d = gamma[i] - SubgroupTreeBuilder.LeafOf(tree, collapsed, columns, i).Mean;
                        loss[g][i] = d * d;
                    }
                }
            }

            // The smallest tree whose held-out loss is within one standard error of the best level's (the SE of the paired
            // per-row difference): the pseudo-outcome is noisy, and the bare minimum keeps splits that fit that noise.
            var totals = grid.Select((_, g) => scoredRows.Sum(i => loss[g][i])).ToArray();
            var bestLevel = Array.IndexOf(totals, totals.Min());
            var best = bestLevel;
            for (var g = grid.Count - 1; g > bestLevel; g--)
            {
                var diff = scoredRows.Select(i => loss[g][i] - loss[bestLevel][i]).ToArray();
                var mean = diff.Average();
                var se = Math.Sqrt(diff.Sum(d => (d - mean) * (d - mean)) / Math.Max(1, diff.Length - 1) / diff.Length);
                if (mean <= se)
                {
                    best = g;
                    break;
                }
            }

            // And never below the floor: with many rows the held-out loss cannot reject a split that moves the estimated
            // effects by a hair, yet such a split only clutters the summary.
            var level = Math.Max(grid[best], t.MinComplexity);
            var chosen = SubgroupTreeBuilder.PruneAt(full, level * full.Sse);
            return ToPublic(full, chosen, minLeaf, level, tau, gamma, kept, estimate);
        }

        private (SubgroupTree, int[]) ToPublic(SubgroupTreeBuilder.Node root, HashSet<SubgroupTreeBuilder.Node> collapsed, int minLeaf, double alpha,
            double[] tau, double[] gamma, bool[] kept, int[] estimate)
        {
            var columns = data.Columns;
            var nodes = new List<SubgroupNode>();
            var ids = new Dictionary<SubgroupTreeBuilder.Node, int>();
            var queue = new Queue<SubgroupTreeBuilder.Node>();
            queue.Enqueue(root);
            var order = new List<SubgroupTreeBuilder.Node>();
            while (queue.Count > 0)
            {
                var node = queue.Dequeue();
                ids[node] = order.Count;
                order.Add(node);
                if (!node.IsLeaf && !collapsed.Contains(node))
                {
                    queue.Enqueue(node.Left!);
                    queue.Enqueue(node.Right!);
                }
            }

            foreach (var node in order)
            {
                var split = !node.IsLeaf && !collapsed.Contains(node);
                var column = split ? columns[node.Column] : null;
                nodes.Add(new SubgroupNode
                {
                    Id = ids[node], Depth = node.Depth, Column = column?.Name,
                    Threshold = split && column!.IsNumeric ? node.Threshold : null,
                    LeftCategories = split && !column!.IsNumeric ? [.. node.LeftCategories!.Order(StringComparer.Ordinal)] : null,
                    MissingLeft = split && node.MissingLeft, Left = split ? ids[node.Left!] : null, Right = split ? ids[node.Right!] : null,
                    GrowRows = node.Rows.Length, MeanPredicted = node.Mean,
                });
            }

            var leafOf = Enumerable.Repeat(-1, _n).ToArray();
            for (var i = 0; i < _n; i++)
            {
                if (kept[i])
                {
                    leafOf[i] = ids[SubgroupTreeBuilder.LeafOf(root, collapsed, columns, i)];
                }
            }

            var keptCount = kept.Count(k => k);
            var leaves = new List<SubgroupLeaf>();
            foreach (var node in nodes.Where(x => x.IsLeaf))
            {
                var inLeaf = estimate.Where(i => leafOf[i] == node.Id).ToArray();
                var all = Enumerable.Range(0, _n).Where(i => leafOf[i] == node.Id).ToArray();
                var effect = EffectMath.Mean(Pick(gamma, inLeaf), data.Clusters is null ? default : Pick(data.Clusters, inLeaf));
                var benefit = _sign > 0 ? effect : effect.Negate();
                var verdict = benefit.Lower > 0 ? "benefit" : benefit.Upper < 0 ? "harm" : "no clear effect";
                var conditions = Conditions(nodes, node.Id);
                var rule = conditions.Count == 0 ? "all patients"
                    : string.Join(" and ", conditions.Select(c => c.ToString()).Select(x => conditions.Count > 1 && x.Contains(" or ", StringComparison.Ordinal) ? $"({x})" : x));
                leaves.Add(new SubgroupLeaf(node.Id, rule, conditions, node.GrowRows, inLeaf.Length, all.Length / (double)keptCount,
                    all.Length == 0 ? double.NaN : all.Average(i => tau[i]), effect, benefit, verdict));
            }

            return (new SubgroupTree(nodes, leaves, minLeaf, alpha), leafOf);
        }

        /// <summary>The path to a leaf as one condition per column (intervals intersected, category sets intersected).</summary>
        private List<RuleCondition> Conditions(List<SubgroupNode> nodes, int leaf)
        {
            var parent = new Dictionary<int, (int Parent, bool Left)>();
            foreach (var node in nodes.Where(x => !x.IsLeaf))
            {
                parent[node.Left!.Value] = (node.Id, true);
                parent[node.Right!.Value] = (node.Id, false);
            }

            var path = new List<(SubgroupNode Node, bool Left)>();
            for (var at = leaf; parent.TryGetValue(at, out var p); at = p.Parent)
            {
                path.Insert(0, (nodes[p.Parent], p.Left));
            }

            var conditions = new List<RuleCondition>();
            foreach (var name in path.Select(p => p.Node.Column!).Distinct(StringComparer.Ordinal))
            {
                var column = data.Columns.First(c => c.Name == name);
                var steps = path.Where(p => p.Node.Column == name).ToList();
                var hasMissing = column.IsNumeric ? column.Numeric!.Any(x => !double.IsFinite(x)) : column.Categorical!.Any(x => x is null);
                var missing = hasMissing && steps.All(s => s.Node.MissingLeft == s.Left);
                if (column.IsNumeric)
                {
                    double? lower = null, upper = null;
                    foreach (var (node, left) in steps)
                    {
                        if (left)
                        {
                            upper = Math.Min(upper ?? double.PositiveInfinity, node.Threshold!.Value);
                        }
                        else
                        {
                            lower = Math.Max(lower ?? double.NegativeInfinity, node.Threshold!.Value);
                        }
                    }

                    conditions.Add(new RuleCondition(name, column.Unit, lower, upper, null, missing));
                }
                else
                {
                    var levels = column.Categorical!.Where(s => s is not null).Select(s => s!).Distinct(StringComparer.Ordinal).ToHashSet(StringComparer.Ordinal);
                    foreach (var (node, left) in steps)
                    {
                        var set = node.LeftCategories!.ToHashSet(StringComparer.Ordinal);
                        levels.RemoveWhere(l => set.Contains(l) != left);
                    }

                    conditions.Add(new RuleCondition(name, null, null, null, [.. levels.Order(StringComparer.Ordinal)], missing));
                }
            }

            return conditions;
        }

        private EffectModel FitServing(int[] keptRows, double[] gamma, SubgroupTree tree, Estimate ate, OverlapReport overlap)
        {
            var kind = _binary ? BoosterKind.Classifier : BoosterKind.Regression;
            var control = keptRows.Where(i => !data.Treated[i]).ToArray();
            var treated = keptRows.Where(i => data.Treated[i]).ToArray();
            var m0 = Booster.Fit("mu0", kind, options.OutcomeModel, options.Seed, data.Features, data.Width, control, i => data.Outcome[i]);
            var m1 = Booster.Fit("mu1", kind, options.OutcomeModel, options.Seed, data.Features, data.Width, treated, i => data.Outcome[i]);
            var tau = options.Learner == EffectLearner.DRLearner
                ? Booster.Fit("tau", BoosterKind.Regression, options.EffectModel, options.Seed, data.Features, data.Width, keptRows, i => gamma[i])
                : null;
            _fitted += (m0.Transformer is null ? 0 : 1) + (m1.Transformer is null ? 0 : 1) + (tau?.Transformer is null ? 0 : 1);
            var parameters = new EffectModelParameters
            {
                Learner = options.Learner, Design = options.Design, Outcome = options.Outcome, Direction = options.Direction,
                Width = data.Width, SlotNames = [.. data.SlotNames],
                Columns = [.. data.Columns.Select(c => new EffectModelColumn(c.Name, c.Unit, c.IsNumeric))],
                Tree = tree, PolicyThreshold = options.PolicyThreshold, Ate = ate, PropensitySource = overlap.PropensitySource,
                TrimAlpha = overlap.TrimAlpha, TrainedRows = keptRows.Length, Folds = options.Folds, Seed = options.Seed,
                Constants = new Dictionary<string, double> { ["mu0"] = m0.Constant, ["mu1"] = m1.Constant, ["tau"] = tau?.Constant ?? 0 },
            };
            return new EffectModel(parameters, m0, m1, tau);
        }

        private double[] Fill(double value) => Enumerable.Repeat(value, _n).ToArray();

        private static void Scatter(double[] target, int[] rows, double[] values)
        {
            for (var r = 0; r < rows.Length; r++)
            {
                target[rows[r]] = values[r];
            }
        }

        private static T[] Pick<T>(T[] source, int[] rows) => [.. rows.Select(i => source[i])];

        private static int[]? Union(int[]? a, int[]? b) => a is null ? b : b is null ? a : [.. a.Union(b).Order()];
    }
}
