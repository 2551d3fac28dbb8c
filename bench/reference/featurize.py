"""The product's featurization, fitted on a training fold and applied to any rows.

numeric     -> value with missing replaced by the TRAINING median (mean of the two middle values for an even
               count; 0 when the training fold has no value), followed by a 0/1 "missing" column when the
               training fold had any missing value in that column;
categorical -> one 0/1 column per category seen in the training fold (the 50 most frequent, ties by ordinal
               string order); an unseen or missing value is all zeros;
standardize -> (linear models only) every resulting column, one-hot and missing indicators included, becomes
               (x - mean) / sd with the training fold's mean and population SD of that column (after
               imputation); a column whose variance is <= 1e-12 keeps scale 1.
               scope "values" standardizes only the numeric value columns and leaves one-hot and missing
               indicators 0/1 (what src/HealthAnalytics.Modeling/Features/Featurizer.cs does today); it moves
               some references by up to 0.01 AUC, see bench/reference/README.md.
"""
import os

import numpy as np

MAX_CATEGORIES = 50


# Which columns a linear model's standardization covers: "all" (default) or "values".
SCOPE = os.environ.get("REFERENCE_STANDARDIZE", "all")
HERE = os.path.dirname(os.path.abspath(__file__))
# Where a scope's numbers go: results/ for "all", results/values-scope/ for "values".
RESULTS = os.path.join(HERE, "results") if SCOPE == "all" else os.path.join(HERE, "results", f"{SCOPE}-scope")
WORK = os.path.join(HERE, ".work", SCOPE)


class Featurizer:
    def __init__(self, standardize, scope=None):
        self.standardize = standardize
        self.scope = scope or SCOPE
        if self.scope not in ("all", "values"):
            raise ValueError(f"standardization scope {self.scope!r}: expected 'all' or 'values'")

    def fit(self, data, rows):
        self.plan = []  # (name, kind, median | categories, indicator)
        for name, kind, values in data.features:
            if kind == "numeric":
                v = values[rows]
                present = v[~np.isnan(v)]
                median = float(np.median(present)) if len(present) else 0.0
                self.plan.append((name, kind, median, bool(len(present) < len(v))))
            else:
                counts = {}
                for i in rows:
                    c = values[i]
                    if c is not None:
                        counts[c] = counts.get(c, 0) + 1
                # Most frequent first, ties in ordinal (code point) order: the product's order of slots.
                cats = sorted(counts, key=lambda c: (-counts[c], c.encode("utf-8")))[:MAX_CATEGORIES]
                self.plan.append((name, kind, cats, False))
        raw = self._raw(data, rows)
        if self.standardize:
            self.center = raw.mean(axis=0)
            var = raw.var(axis=0)  # population variance (ddof 0)
            self.scale = np.where(var > 1e-12, np.sqrt(var), 1.0)
            if self.scope == "values":
                values = np.array([s == "value" for s in self._slot_kinds()])
                self.center = np.where(values, self.center, 0.0)
                self.scale = np.where(values, self.scale, 1.0)
        else:
            self.center = np.zeros(raw.shape[1])
            self.scale = np.ones(raw.shape[1])
        return self

    def _slot_kinds(self):
        out = []
        for _, kind, p, indicator in self.plan:
            if kind == "numeric":
                out += ["value"] + (["indicator"] if indicator else [])
            else:
                out += ["onehot"] * len(p)
        return out

    def names(self):
        out = []
        for name, kind, p, indicator in self.plan:
            if kind == "numeric":
                out.append(name)
                if indicator:
                    out.append(name + ":missing")
            else:
                out.extend(f"{name}={c}" for c in p)
        return out

    def _raw(self, data, rows):
        cols = []
        for (name, kind, p, indicator), (_, _, values) in zip(self.plan, data.features):
            if kind == "numeric":
                v = values[rows]
                miss = np.isnan(v)
                cols.append(np.where(miss, p, v))
                if indicator:
                    cols.append(miss.astype(float))
            else:
                for c in p:
                    cols.append(np.array([1.0 if values[i] == c else 0.0 for i in rows]))
        return np.column_stack(cols) if cols else np.zeros((len(rows), 0))

    def transform(self, data, rows):
        return (self._raw(data, rows) - self.center) / self.scale

