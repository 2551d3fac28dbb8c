namespace HealthAnalytics.Training.Survival;

/// <summary>
/// Penalized Cox regression by Newton–Raphson on the log partial likelihood (Efron or Breslow ties), on centered
/// covariates, with step halving whenever the penalized log-likelihood would decrease — the algorithm of R's
/// <c>coxph</c>. Rows are sorted by time once; each iteration is one pass accumulating the risk-set sums
/// Σw, Σw·z, Σw·z·zᵀ from the longest time down, so it costs O(n·p²) (see docs/survival.md for timings).
/// </summary>
public static class CoxTrainer
{
    public static CoxModel Fit(SurvivalData data, CoxOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        options ??= new CoxOptions();
        ArgumentOutOfRangeException.ThrowIfNegative(options.L2Penalty);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxBaselineKnots, 2);
        var n = data.Rows;
        var p = data.Width;

        // Means, sample variances (R's var, n − 1) and constant slots.
        var means = new double[p];
        var variances = new double[p];
        var constant = new bool[p];
        for (var j = 0; j < p; j++)
        {
            constant[j] = true;
            var first = n > 0 ? data.Features[j] : 0f;
            var sum = 0.0;
            for (var i = 0; i < n; i++)
            {
                var v = data.Features[((long)i * p) + j];
                sum += v;
                if (v != first)
                {
                    constant[j] = false;
                }
            }

            means[j] = n > 0 ? sum / n : 0;
            if (!constant[j])
            {
                var ss = 0.0;
                for (var i = 0; i < n; i++)
                {
                    var d = data.Features[((long)i * p) + j] - means[j];
                    ss += d * d;
                }

                variances[j] = n > 1 ? ss / (n - 1) : 0;
            }
        }

        var active = Enumerable.Range(0, p).Where(j => !constant[j]).ToArray();
        var q = active.Length;
        var events = data.EventCount;
        var maxTime = n > 0 ? data.Times.Max() : 0;
        if (events == 0 || q == 0)
        {
            // Nothing to estimate β from: the model is the null model (β = 0) with its baseline hazard.
            var nullFit = new Fitter(data, active, means, options.Ties);
            var (nullLl, _, _) = nullFit.Evaluate(new double[q], withInformation: false);
            var (times0, hazard0) = nullFit.Baseline(new double[q], options.MaxBaselineKnots);
            return new CoxModel
            {
                SlotNames = [.. data.SlotNames], Means = means, Coefficients = new double[p], StandardErrors = new double[p],
                Aliased = [.. constant], BaselineTimes = times0, BaselineCumulativeHazard = hazard0, MaxFollowUp = maxTime,
                Ties = options.Ties, L2Penalty = options.L2Penalty, Rows = n, Events = events, Iterations = 0, Converged = true,
                LogLikelihoodNull = nullLl, LogLikelihood = nullLl,
            };
        }

        var fitter = new Fitter(data, active, means, options.Ties);
        var penalty = active.Select(j => options.L2Penalty * variances[j]).ToArray();
        var beta = new double[q];
        var (ll, score, info) = fitter.Evaluate(beta, withInformation: true);
        var llNull = ll;
        var pll = ll;
        var converged = false;
        var iterations = 0;
        SymmetricSolver solver = Solve(score, info, beta, penalty, q, out var step);
        for (iterations = 1; iterations <= options.MaxIterations; iterations++)
        {
            var next = new double[q];
            for (var j = 0; j < q; j++)
            {
                next[j] = beta[j] + step[j];
            }

            var (nll, nscore, ninfo) = fitter.Evaluate(next, withInformation: true);
            var npll = nll - Penalty(next, penalty);
            for (var halving = 0; (!double.IsFinite(npll) || npll < pll) && halving < 40; halving++)
            {
                // Step halving (as coxph): back towards the last accepted β until the fit improves.
                for (var j = 0; j < q; j++)
                {
                    next[j] = (beta[j] + next[j]) / 2;
                }

                (nll, nscore, ninfo) = fitter.Evaluate(next, withInformation: true);
                npll = nll - Penalty(next, penalty);
            }

            if (!double.IsFinite(npll) || npll < pll)
            {
                // No improving step left. At the optimum that is rounding noise (converged); anywhere else the fit failed.
                converged = double.IsFinite(npll) && pll - npll <= options.Tolerance * Math.Max(Math.Abs(pll), 1e-300);
                break;
            }

            var change = Math.Abs(npll - pll);
            beta = next;
            ll = nll;
            score = nscore;
            info = ninfo;
            pll = npll;
            solver = Solve(score, info, beta, penalty, q, out step);
            if (change <= options.Tolerance * Math.Max(Math.Abs(pll), 1e-300) || change == 0)
            {
                converged = true;
                break;
            }
        }

        iterations = Math.Min(iterations, options.MaxIterations);
        var inverse = solver.Inverse();
        var coefficients = new double[p];
        var errors = new double[p];
        var aliased = (bool[])constant.Clone();
        for (var k = 0; k < q; k++)
        {
            var j = active[k];
            if (solver.Aliased[k])
            {
                aliased[j] = true;
                continue;
            }

            coefficients[j] = beta[k];
            errors[j] = Math.Sqrt(Math.Max(0, inverse[(k * q) + k]));
        }

        var (times, hazard) = fitter.Baseline(beta, options.MaxBaselineKnots);
        return new CoxModel
        {
            SlotNames = [.. data.SlotNames], Means = means, Coefficients = coefficients, StandardErrors = errors, Aliased = aliased,
            BaselineTimes = times, BaselineCumulativeHazard = hazard, MaxFollowUp = maxTime, Ties = options.Ties,
            L2Penalty = options.L2Penalty, Rows = n, Events = events, Iterations = iterations, Converged = converged,
            LogLikelihoodNull = llNull, LogLikelihood = ll,
        };
    }

    private static double Penalty(double[] beta, double[] penalty)
    {
        var s = 0.0;
        for (var j = 0; j < beta.Length; j++)
        {
            s += penalty[j] * beta[j] * beta[j];
        }

        return s / 2;
    }

    /// <summary>The Newton step for the penalized problem at β; the solver also yields the variance at β.</summary>
    private static SymmetricSolver Solve(double[] score, double[] info, double[] beta, double[] penalty, int q, out double[] step)
    {
        var u = new double[q];
        var h = (double[])info.Clone();
        for (var j = 0; j < q; j++)
        {
            u[j] = score[j] - (penalty[j] * beta[j]);
            h[(j * q) + j] += penalty[j];
        }

        var solver = new SymmetricSolver(h, q);
        step = solver.Solve(u);
        return solver;
    }

    /// <summary>Sorted, centered working copy of the data and the passes over it.</summary>
    private sealed class Fitter
    {
        private readonly int _q;
        private readonly double[] _z;        // centered active slots, rows by time descending
        private readonly bool[] _event;
        private readonly double[] _time;
        private readonly int[] _groupStart;  // runs of equal time, in the same order
        private readonly CoxTies _ties;

        public Fitter(SurvivalData data, int[] active, double[] means, CoxTies ties)
        {
            _ties = ties;
            _q = active.Length;
            var n = data.Rows;
            var p = data.Width;
            var ascending = SurvivalChecks.OrderByTime(data.Times, data.Events);
            _z = new double[(long)n * _q];
            _event = new bool[n];
            _time = new double[n];
            var starts = new List<int>();
            for (var k = 0; k < n; k++)
            {
                var i = ascending[n - 1 - k];
                _event[k] = data.Events[i];
                _time[k] = data.Times[i];
                if (k == 0 || _time[k] != _time[k - 1])
                {
                    starts.Add(k);
                }

                for (var a = 0; a < _q; a++)
                {
                    _z[((long)k * _q) + a] = data.Features[((long)i * p) + active[a]] - means[active[a]];
                }
            }

            starts.Add(n);
            _groupStart = [.. starts];
        }

        /// <summary>Log partial likelihood, score and (optionally) information at β.</summary>
        public (double LogLik, double[] Score, double[] Information) Evaluate(double[] beta, bool withInformation)
        {
            var q = _q;
            var s1 = new double[q];
            var s2 = new double[q * q];
            var d1 = new double[q];
            var d2 = new double[q * q];
            var score = new double[q];
            var info = new double[q * q];
            var a = new double[q];
            var s0 = 0.0;
            var ll = 0.0;
            for (var g = 0; g + 1 < _groupStart.Length; g++)
            {
                var d0 = 0.0;
                var m = 0;
                Array.Clear(d1);
                if (withInformation)
                {
                    Array.Clear(d2);
                }

                for (var k = _groupStart[g]; k < _groupStart[g + 1]; k++)
                {
                    var z = _z.AsSpan((int)((long)k * q), q);
                    var eta = 0.0;
                    for (var j = 0; j < q; j++)
                    {
                        eta += beta[j] * z[j];
                    }

                    if (eta > 700)
                    {
                        return (double.NegativeInfinity, score, info); // overflow: the caller halves the step
                    }

                    var w = Math.Exp(eta);
                    s0 += w;
                    for (var j = 0; j < q; j++)
                    {
                        var wz = w * z[j];
                        s1[j] += wz;
                        if (withInformation)
                        {
                            var row = j * q;
                            for (var l = j; l < q; l++)
                            {
                                s2[row + l] += wz * z[l];
                            }
                        }
                    }

                    if (_event[k])
                    {
                        m++;
                        d0 += w;
                        ll += eta;
                        for (var j = 0; j < q; j++)
                        {
                            var wz = w * z[j];
                            d1[j] += wz;
                            score[j] += z[j];
                            if (withInformation)
                            {
                                var row = j * q;
                                for (var l = j; l < q; l++)
                                {
                                    d2[row + l] += wz * z[l];
                                }
                            }
                        }
                    }
                }

                if (m == 0)
                {
                    continue;
                }

                // Breslow: every event at this time sees the whole risk set. Efron: the r-th of m tied events
                // sees the risk set less r/m of the tied events' weight.
                var steps = _ties == CoxTies.Efron ? m : 1;
                var multiplicity = _ties == CoxTies.Efron ? 1.0 : m;
                for (var r = 0; r < steps; r++)
                {
                    var f = _ties == CoxTies.Efron ? (double)r / m : 0;
                    var denom = s0 - (f * d0);
                    ll -= multiplicity * Math.Log(denom);
                    for (var j = 0; j < q; j++)
                    {
                        a[j] = (s1[j] - (f * d1[j])) / denom;
                        score[j] -= multiplicity * a[j];
                    }

                    if (withInformation)
                    {
                        for (var j = 0; j < q; j++)
                        {
                            var row = j * q;
                            for (var l = j; l < q; l++)
                            {
                                info[row + l] += multiplicity * (((s2[row + l] - (f * d2[row + l])) / denom) - (a[j] * a[l]));
                            }
                        }
                    }
                }
            }

            if (withInformation)
            {
                for (var j = 0; j < q; j++)
                {
                    for (var l = 0; l < j; l++)
                    {
                        info[(j * q) + l] = info[(l * q) + j];
                    }
                }
            }

            return (ll, score, info);
        }

        /// <summary>Breslow (or Efron-adjusted) cumulative baseline hazard at the means, at each distinct event time.</summary>
        public (double[] Times, double[] Hazard) Baseline(double[] beta, int maxKnots)
        {
            var q = _q;
            var s0 = 0.0;
            var eventTimes = new List<double>();
            var increments = new List<double>();
            for (var g = 0; g + 1 < _groupStart.Length; g++)
            {
                var d0 = 0.0;
                var m = 0;
                for (var k = _groupStart[g]; k < _groupStart[g + 1]; k++)
                {
                    var eta = 0.0;
                    for (var j = 0; j < q; j++)
                    {
                        eta += beta[j] * _z[((long)k * q) + j];
                    }

                    var w = Math.Exp(Math.Min(eta, 700));
                    s0 += w;
                    if (_event[k])
                    {
                        m++;
                        d0 += w;
                    }
                }

                if (m == 0)
                {
                    continue;
                }

                var increment = 0.0;
                if (_ties == CoxTies.Efron)
                {
                    for (var r = 0; r < m; r++)
                    {
                        increment += 1 / (s0 - ((double)r / m * d0));
                    }
                }
                else
                {
                    increment = m / s0;
                }

                eventTimes.Add(_time[_groupStart[g]]);
                increments.Add(increment);
            }

            // Collected from the longest time down: accumulate from the earliest up.
            var count = eventTimes.Count;
            var times = new double[count];
            var hazard = new double[count];
            var h = 0.0;
            for (var k = 0; k < count; k++)
            {
                var src = count - 1 - k;
                h += increments[src];
                times[k] = eventTimes[src];
                hazard[k] = h;
            }

            if (count <= maxKnots)
            {
                return (times, hazard);
            }

            // Thin to maxKnots knots evenly spaced in rank, always keeping the last one.
            var keptTimes = new double[maxKnots];
            var keptHazard = new double[maxKnots];
            for (var k = 0; k < maxKnots; k++)
            {
                var at = (int)(((long)(k + 1) * count / maxKnots) - 1);
                keptTimes[k] = times[at];
                keptHazard[k] = hazard[at];
            }

            return (keptTimes, keptHazard);
        }
    }
}
