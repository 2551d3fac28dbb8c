"""Writes the design matrices of the survival tasks for cox.R, so that R fits on exactly the product's
featurization (featurize.py, standardized: the Cox model is linear in its features) without a second
implementation of it.

For each survival task and fold f: .work/{scope}/{task}/fold{f}.train.csv and .test.csv with the columns
row (0-based data row of the table's CSV), time, event (0/1), then x1..xp; and .work/{task}/fold{f}.columns.txt
with the product's slot name of each x. The .work folder is scratch (git-ignored); scope is
REFERENCE_STANDARDIZE (all or values, see featurize.py).

Usage: python3 bench/reference/survival_design.py [task-id ...]
"""
import os
import sys

import numpy as np

import suite
from featurize import WORK, Featurizer


def write(path, data, rows, x):
    with open(path, "w", encoding="utf-8", newline="\n") as h:
        h.write("row,time,event," + ",".join(f"x{j + 1}" for j in range(x.shape[1])) + "\n")
        for i, r in enumerate(rows):
            h.write(f"{r},{data.time[r]:.17g},{int(data.event[r])}," + ",".join(f"{v:.17g}" for v in x[i]) + "\n")


def main():
    manifest = suite.load_manifest()
    wanted = set(sys.argv[1:])
    k = manifest["folds"]["k"]
    for task in manifest["tasks"]:
        if task["kind"] != "survival" or (wanted and task["id"] not in wanted):
            continue
        data = suite.TaskData(manifest, task)
        folds = suite.read_folds(task)
        if len(folds) != data.n:
            raise ValueError(f"{task['id']}: {len(folds)} fold lines for {data.n} rows")
        folder = os.path.join(WORK, task["id"])
        os.makedirs(folder, exist_ok=True)
        for f in range(k):
            train = np.flatnonzero((folds >= 0) & (folds != f))
            test = np.flatnonzero(folds == f)
            fz = Featurizer(standardize=True).fit(data, train)
            write(os.path.join(folder, f"fold{f}.train.csv"), data, train, fz.transform(data, train))
            write(os.path.join(folder, f"fold{f}.test.csv"), data, test, fz.transform(data, test))
            with open(os.path.join(folder, f"fold{f}.columns.txt"), "w", encoding="utf-8", newline="\n") as h:
                h.write("\n".join(fz.names()) + "\n")
        print(f"{task['id']:22s} design matrices written ({len(fz.names())} columns in the last fold)", flush=True)


if __name__ == "__main__":
    main()
