namespace HealthAnalytics.Training.Survival;

/// <summary>
/// LDLᵀ factorization of a small symmetric positive semi-definite matrix (Newton steps of the Cox fit, the
/// log-rank variance). A pivot below <c>tolerance × largest diagonal</c> marks that variable as aliased
/// (linearly dependent on earlier ones): its row and column are treated as zero, so its step is 0 — the same
/// rule R's <c>coxph</c> uses, which leaves such a coefficient out instead of failing.
/// </summary>
internal sealed class SymmetricSolver
{
    private readonly int _n;
    private readonly double[] _l;   // unit lower triangle, row-major n×n
    private readonly double[] _d;   // diagonal; 0 for aliased variables

    public SymmetricSolver(double[] matrix, int n, double tolerance = 1.8189894035458565e-12)
    {
        _n = n;
        _l = new double[n * n];
        _d = new double[n];
        var a = (double[])matrix.Clone();
        var largest = 0.0;
        for (var i = 0; i < n; i++)
        {
            largest = Math.Max(largest, Math.Abs(a[(i * n) + i]));
        }

        var eps = largest * tolerance;
        Aliased = new bool[n];
        Rank = 0;
        for (var j = 0; j < n; j++)
        {
            var pivot = a[(j * n) + j];
            for (var k = 0; k < j; k++)
            {
                pivot -= _l[(j * n) + k] * _l[(j * n) + k] * _d[k];
            }

            if (!(pivot > eps))
            {
                Aliased[j] = true;
                _d[j] = 0;
                _l[(j * n) + j] = 1;
                continue;
            }

            _d[j] = pivot;
            _l[(j * n) + j] = 1;
            Rank++;
            for (var i = j + 1; i < n; i++)
            {
                var s = a[(i * n) + j];
                for (var k = 0; k < j; k++)
                {
                    s -= _l[(i * n) + k] * _l[(j * n) + k] * _d[k];
                }

                _l[(i * n) + j] = s / pivot;
            }
        }
    }

    public bool[] Aliased { get; }
    public int Rank { get; }

    /// <summary>x with A x = b over the non-aliased variables; aliased entries of x are 0.</summary>
    public double[] Solve(ReadOnlySpan<double> b)
    {
        var n = _n;
        var y = new double[n];
        for (var i = 0; i < n; i++)
        {
            if (Aliased[i])
            {
                continue;
            }

            var s = b[i];
            for (var k = 0; k < i; k++)
            {
                s -= _l[(i * n) + k] * y[k];
            }

            y[i] = s;
        }

        for (var i = 0; i < n; i++)
        {
            y[i] = Aliased[i] ? 0 : y[i] / _d[i];
        }

        for (var i = n - 1; i >= 0; i--)
        {
            if (Aliased[i])
            {
                continue;
            }

            var s = y[i];
            for (var k = i + 1; k < n; k++)
            {
                s -= _l[(k * n) + i] * y[k];
            }

            y[i] = s;
        }

        return y;
    }

    /// <summary>Generalized inverse: the inverse over non-aliased variables, zeros elsewhere.</summary>
    public double[] Inverse()
    {
        var n = _n;
        var inverse = new double[n * n];
        var e = new double[n];
        for (var j = 0; j < n; j++)
        {
            Array.Clear(e);
            e[j] = 1;
            var column = Solve(e);
            for (var i = 0; i < n; i++)
            {
                inverse[(i * n) + j] = Aliased[j] ? 0 : column[i];
            }
        }

        return inverse;
    }
}
