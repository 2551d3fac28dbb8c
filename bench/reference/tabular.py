"""Binary and regression references on the committed folds (scikit-learn).

For each binary or regression task of tests/corpora/clinical/suite.json and each fold f: fit the product's
featurization (featurize.py) and the model on the rows of the other folds, predict the rows of fold f,
score them. Writes results/{task}.json (per fold and the mean over folds) and results/{task}.{model}.csv
(one line per usable row: its held-out prediction).

Models
  binary:     logistic  LogisticRegression, L2, lbfgs, C = 1 / trainer.options.l2Regularization, intercept
                        not penalized, standardized features (the number to compare with);
              hgb       HistGradientBoostingClassifier with the product's LightGBM defaults (context only).
  regression: ridge     Ridge(alpha = trainer.options.alpha), intercept not penalized, standardized features;
              hgb       HistGradientBoostingRegressor, same settings (context only).

Usage: [REFERENCE_STANDARDIZE=all|values] python3 bench/reference/tabular.py [task-id ...]
       (values: results/values-scope/, see featurize.py)
"""
import json
import os
import sys

import numpy as np
import sklearn
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score, roc_auc_score

import featurize
import suite
from featurize import RESULTS, Featurizer

# The product's LightGBM defaults (docs/models.md): 31 leaves, 100 iterations, learning rate 0.05, 20 rows per leaf.
HGB = dict(learning_rate=0.05, max_iter=100, max_leaf_nodes=31, min_samples_leaf=20, l2_regularization=0.0,
           max_bins=255, early_stopping=False)


def models_for(task, seed):
    kind, options = task["kind"], task["trainer"]["options"]
    if kind == "binary":
        c = 1.0 / options["l2Regularization"]
        return {
            "logistic": (True, lambda: LogisticRegression(C=c, penalty="l2", solver="lbfgs", tol=1e-10, max_iter=100000),
                         {"C": c, "penalty": "l2", "solver": "lbfgs", "tol": 1e-10}),
            "hgb": (False, lambda: HistGradientBoostingClassifier(random_state=seed, **HGB), dict(HGB, random_state=seed)),
        }
    alpha = options["alpha"]
    return {
        "ridge": (True, lambda: Ridge(alpha=alpha, solver="cholesky"), {"alpha": alpha, "solver": "cholesky"}),
        "hgb": (False, lambda: HistGradientBoostingRegressor(random_state=seed, **HGB), dict(HGB, random_state=seed)),
    }


def metrics(kind, y, p):
    if kind == "binary":
        # roc_auc_score is the Mann-Whitney statistic: a tie between a positive and a negative counts 1/2.
        return {"auc": float(roc_auc_score(y, p))}
    return {"rmse": float(np.sqrt(mean_squared_error(y, p))), "mae": float(mean_absolute_error(y, p)),
            "r2": float(r2_score(y, p))}


def run(manifest, task):
    data = suite.TaskData(manifest, task)
    folds = suite.read_folds(task)
    if len(folds) != data.n:
        raise ValueError(f"{task['id']}: {len(folds)} fold lines for {data.n} rows")
    kind = task["kind"]
    k = manifest["folds"]["k"]
    seed = manifest["folds"]["seed"]
    y_all = data.y
    out = {"task": task["id"], "table": task["table"], "kind": kind, "rows": data.n,
           "rowsUsed": int((folds >= 0).sum()), "models": {}}
    for name, (standardize, make, params) in models_for(task, seed).items():
        per_fold, pred = [], np.full(data.n, np.nan)
        for f in range(k):
            train = np.flatnonzero((folds >= 0) & (folds != f))
            test = np.flatnonzero(folds == f)
            fz = Featurizer(standardize).fit(data, train)
            model = make().fit(fz.transform(data, train), y_all[train])
            x_test = fz.transform(data, test)
            p = model.predict_proba(x_test)[:, 1] if kind == "binary" else model.predict(x_test)
            pred[test] = p
            row = {"fold": f, "train": len(train), "test": len(test)}
            if kind == "binary":
                row["positives"] = int(y_all[test].sum())
            row.update(metrics(kind, y_all[test], p))
            row["columns"] = len(fz.names())
            if getattr(model, "n_iter_", None) is not None:
                row["iterations"] = int(np.max(model.n_iter_))
            if standardize:
                # The fitted linear model on the standardized slots, for checking a trainer's coefficients.
                row["intercept"] = float(np.ravel(model.intercept_)[0])
                row["coefficients"] = dict(zip(fz.names(), (float(c) for c in np.ravel(model.coef_))))
            per_fold.append(row)
        keys = ["auc"] if kind == "binary" else ["rmse", "mae", "r2"]
        out["models"][name] = {
            "params": params,
            "standardized": standardize,
            "folds": per_fold,
            "mean": {m: float(np.mean([r[m] for r in per_fold])) for m in keys},
            "sd": {m: float(np.std([r[m] for r in per_fold], ddof=1)) for m in keys},
        }
        used = np.flatnonzero(folds >= 0)
        with open(os.path.join(RESULTS, f"{task['id']}.{name}.csv"), "w", encoding="utf-8", newline="\n") as h:
            h.write("row,fold,y,prediction\n")
            for i in used:
                h.write(f"{i},{folds[i]},{y_all[i]:.17g},{pred[i]:.17g}\n")
    out["standardization"] = featurize.SCOPE
    out["software"] = {"scikit-learn": sklearn.__version__, "numpy": np.__version__}
    with open(os.path.join(RESULTS, f"{task['id']}.json"), "w", encoding="utf-8", newline="\n") as h:
        json.dump(out, h, indent=1)
        h.write("\n")
    return out


def main():
    manifest = suite.load_manifest()
    wanted = set(sys.argv[1:])
    os.makedirs(RESULTS, exist_ok=True)
    for task in manifest["tasks"]:
        if task["kind"] == "survival" or (wanted and task["id"] not in wanted):
            continue
        out = run(manifest, task)
        summary = "  ".join(f"{m}: " + " ".join(f"{k}={v:.4f}" for k, v in r["mean"].items()) for m, r in out["models"].items())
        print(f"{task['id']:20s} {summary}", flush=True)


if __name__ == "__main__":
    main()
