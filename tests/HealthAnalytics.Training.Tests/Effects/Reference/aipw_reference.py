#!/usr/bin/env python3
"""Independent reference for the statistics of docs/treatment-effects.md (numpy only, vectorized, written from the
definitions rather than from the C# code).

    python3 tests/HealthAnalytics.Training.Tests/Effects/Reference/aipw_reference.py

writes, next to this script:
  aipw_inputs.csv     y, t, mu0, mu1, e, cluster, tau_hat (a fixed dataset: 600 rows, 300 clusters of 2, seed 20261204)
  aipw_reference.json the AIPW ATE and its SE (row-level and cluster-robust), the unadjusted difference (Welch and
                      cluster-robust), the policy values, the Qini coefficient and its SE, the calibration slope and its SE.
EffectMathReferenceTests reads both and compares EffectMath's results to 1e-9.
"""
import json
import os

import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20261204)
n_clusters = 300
n = 2 * n_clusters
cluster = np.repeat(np.arange(n_clusters), 2)
x = rng.normal(size=n) + np.repeat(rng.normal(size=n_clusters), 2)  # correlated within a cluster
e = 1 / (1 + np.exp(-(0.4 * x)))
t = rng.random(n) < e
p0 = 1 / (1 + np.exp(-(-0.5 + 0.8 * x)))
p1 = np.clip(p0 - 0.1 - 0.1 * (x > 0), 0.01, 0.99)
y = np.where(t, rng.random(n) < p1, rng.random(n) < p0).astype(float)
# "Nuisance predictions" as a model would give them: the truth plus noise, rounded like stored values.
mu0 = np.round(np.clip(p0 + rng.normal(scale=0.05, size=n), 0.01, 0.99), 6)
mu1 = np.round(np.clip(p1 + rng.normal(scale=0.05, size=n), 0.01, 0.99), 6)
e = np.round(np.clip(e + rng.normal(scale=0.02, size=n), 0.05, 0.95), 6)
tau_hat = np.round(mu1 - mu0 + rng.normal(scale=0.03, size=n), 6)
tau_hat[:40] = tau_hat[40]  # a block of ties

with open(os.path.join(here, "aipw_inputs.csv"), "w") as f:
    f.write("y,t,mu0,mu1,e,cluster,tau_hat\n")
    for i in range(n):
        f.write(f"{y[i]:.0f},{int(t[i])},{mu0[i]:.6f},{mu1[i]:.6f},{e[i]:.6f},{cluster[i]},{tau_hat[i]:.6f}\n")

# Re-read what was written so both sides use the same rounded numbers.
d = np.genfromtxt(os.path.join(here, "aipw_inputs.csv"), delimiter=",", names=True)
y, t, mu0, mu1, e, cluster, tau_hat = d["y"], d["t"].astype(bool), d["mu0"], d["mu1"], d["e"], d["cluster"].astype(int), d["tau_hat"]


def cr1(psi, groups):
    """Cluster-robust SE of a sum of influence values: sqrt(G/(G-1) * sum_c (sum_{i in c} psi_i)^2)."""
    sums = np.bincount(groups, weights=psi)
    g = len(np.unique(groups))
    return float(np.sqrt(g / (g - 1) * np.sum(sums ** 2)))


g1 = mu1 + t * (y - mu1) / e
g0 = mu0 + (~t) * (y - mu0) / (1 - e)
gamma = g1 - g0
ate = float(gamma.mean())
se_rows = float(gamma.std(ddof=1) / np.sqrt(n))
se_cluster = cr1((gamma - ate) / n, cluster)

y1, y0 = y[t], y[~t]
diff = float(y1.mean() - y0.mean())
welch = float(np.sqrt(y1.var(ddof=1) / len(y1) + y0.var(ddof=1) / len(y0)))
psi = np.where(t, (y - y1.mean()) / len(y1), -(y - y0.mean()) / len(y0))
diff_cluster = cr1(psi, cluster)

# Policy: treat when benefit (lower is better: -tau_hat) > 0.02.
treat = -tau_hat > 0.02
value = np.where(treat, g1, g0)

# Qini on benefit: b = -gamma ranked by s = -tau_hat, highest first; ties share their block's mean b.
s, b = -tau_hat, -gamma
order = np.lexsort((np.arange(n), -s))  # by s descending, then row index
s_sorted, b_sorted = s[order], b[order]
_, inverse = np.unique(s_sorted, return_inverse=True)
block_mean = np.bincount(inverse, weights=b_sorted) / np.bincount(inverse)
b_tied = block_mean[inverse]
j = np.arange(1, n + 1)
gain = np.cumsum(b_tied) / n                      # Gain(k/n), k = 1..n
random_line = j / n * gain[-1]
qini_area = float(np.mean(gain - random_line))    # (1/n) sum_k [Gain(k/n) - Random(k/n)]
w = (n + 1 - 2 * j) / (2 * n)
z = w * b_tied
qini_se = float(z.std(ddof=1) / np.sqrt(n))

# Calibration slope: OLS of gamma on (1, tau_hat); HC (row-level CR1) standard error.
X = np.column_stack([np.ones(n), tau_hat])
coef, *_ = np.linalg.lstsq(X, gamma, rcond=None)
resid = gamma - X @ coef
bread = np.linalg.inv(X.T @ X)
meat = (X * resid[:, None]).T @ (X * resid[:, None]) * n / (n - 1)
slope_se = float(np.sqrt((bread @ meat @ bread)[1, 1]))

reference = {
    "rows": n,
    "aipwAte": ate, "aipwSe": se_rows, "aipwSeCluster": se_cluster,
    "unadjusted": diff, "unadjustedSeWelch": welch, "unadjustedSeCluster": diff_cluster,
    "policyThreshold": 0.02, "policyValue": float(value.mean()), "policySe": float(value.std(ddof=1) / np.sqrt(n)),
    "treatAll": float(g1.mean()), "treatNone": float(g0.mean()),
    "policyVersusAll": float((value - g1).mean()), "policyVersusAllSe": float((value - g1).std(ddof=1) / np.sqrt(n)),
    "qiniCoefficient": qini_area, "qiniSe": qini_se, "qiniCoefficientFromWeights": float(z.mean()),
    "calibrationSlope": float(coef[1]), "calibrationSlopeSe": slope_se,
}
with open(os.path.join(here, "aipw_reference.json"), "w") as f:
    json.dump(reference, f, indent=2)
print(json.dumps(reference, indent=2))
