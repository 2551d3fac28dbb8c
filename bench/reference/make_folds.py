"""Writes tests/corpora/clinical/folds/{task}.csv: a header line `fold`, then one line per data row of the
task's CSV (same order) with its fold 0..k-1, or -1 for a row the task cannot use (label, outcome, time or
event missing; survival time <= 0).

Stratified and seeded: the fold units (rows, or the task's `group`, e.g. a patient with two eyes) are split
by stratum (binary label; survival event indicator; regression outcome quintile; a group takes its largest
value), each stratum is shuffled with numpy's PCG64 seeded by the manifest's seed (a fresh generator per
task), and its units are dealt round-robin to the folds, continuing the count from the previous stratum so
fold sizes stay within one unit of each other.

Usage: python3 bench/reference/make_folds.py [--check]   (--check: fail if a committed file differs)
"""
import os
import sys

import numpy as np

import suite


def assign(data, k, seed):
    strata = data.stratum()
    unit_stratum = {}
    for i in np.flatnonzero(data.usable):
        g = data.groups[i]
        unit_stratum[g] = max(unit_stratum.get(g, -np.inf), strata[i])
    rng = np.random.Generator(np.random.PCG64(seed))
    unit_fold = {}
    offset = 0
    for s in sorted(set(unit_stratum.values())):
        units = [u for u in unit_stratum if unit_stratum[u] == s]  # first-appearance order
        for i, j in enumerate(rng.permutation(len(units))):
            unit_fold[units[j]] = (offset + i) % k
        offset += len(units)
    return np.array([unit_fold[data.groups[i]] if data.usable[i] else -1 for i in range(data.n)])


def main():
    check = "--check" in sys.argv[1:]
    manifest = suite.load_manifest()
    k, seed = manifest["folds"]["k"], manifest["folds"]["seed"]
    bad = 0
    for task in manifest["tasks"]:
        data = suite.TaskData(manifest, task)
        folds = assign(data, k, seed)
        text = "fold\n" + "".join(f"{f}\n" for f in folds)
        path = os.path.join(suite.CORPUS, task["folds"])
        if check:
            with open(path, encoding="utf-8") as h:
                if h.read() != text:
                    print(f"{task['id']}: committed folds differ from a fresh run")
                    bad += 1
            continue
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="\n") as h:
            h.write(text)
        sizes = [int((folds == f).sum()) for f in range(k)]
        strat = data.stratum()
        pos = [int(np.nansum(strat[folds == f])) if task["kind"] != "regression" else None for f in range(k)]
        print(f"{task['id']:24s} rows {data.n:6d} unusable {int((folds < 0).sum()):4d} {data.unusable_reason or ''} "
              f"fold sizes {sizes} positives/events {pos if pos[0] is not None else '-'}")
    if bad:
        sys.exit(1)


if __name__ == "__main__":
    main()
