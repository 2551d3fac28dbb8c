"""Reads the clinical suite manifest and turns one task into arrays, the way a user's configuration reads.

Every cell is read as text first (so categorical values are the CSV's own strings, e.g. "1" or "squamous"),
then: a table's missing tokens (and the empty field) are missing; numeric features are parsed as numbers;
values a task declares missing (e.g. Pima's zeros) become missing; the label, outcome or time/event pair is
derived exactly as the manifest says.
"""
import csv
import json
import math
import os

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CORPUS = os.path.join(ROOT, "tests", "corpora", "clinical")
MANIFEST = os.path.join(CORPUS, "suite.json")


def load_manifest():
    with open(MANIFEST, encoding="utf-8") as h:
        return json.load(h)


def read_table(table):
    """Header and rows of a table as strings, with None for a missing cell."""
    tokens = set(table["missingTokens"]) | {""}
    with open(os.path.join(CORPUS, table["file"]), newline="", encoding="utf-8") as h:
        reader = csv.reader(h)
        header = next(reader)
        rows = [[None if cell in tokens else cell for cell in row] for row in reader]
    if len(rows) != table["rows"]:
        raise ValueError(f"{table['file']}: {len(rows)} rows, manifest says {table['rows']}")
    return header, rows


def _number(text):
    return math.nan if text is None else float(text)


def _matches(text, values):
    """A configured value matches the cell: numbers compare as numbers, strings as exact text."""
    if text is None:
        return None
    for v in values:
        if isinstance(v, str):
            if text == v:
                return True
        elif float(text) == float(v):
            return True
    return False


class TaskData:
    """One task's columns: raw features, target, which rows are usable, fold unit (group) per row."""

    def __init__(self, manifest, task):
        self.task = task
        table = next(t for t in manifest["tables"] if t["id"] == task["table"])
        header, rows = read_table(table)
        index = {name: i for i, name in enumerate(header)}
        self.n = len(rows)

        def column(name):
            return [r[index[name]] for r in rows]

        missing = task.get("missingValues", {})
        self.features = []  # (name, kind, values): float array for numeric, list of str|None for categorical
        for f in task["features"]:
            cells = column(f["name"])
            declared = missing.get(f["name"], [])
            if f["kind"] == "numeric":
                values = np.array([_number(c) for c in cells], dtype=float)
                for d in declared:
                    values[values == float(d)] = math.nan
            else:
                values = [None if c is None or _matches(c, declared) else c for c in cells]
            self.features.append((f["name"], f["kind"], values))

        kind = task["kind"]
        self.usable = np.ones(self.n, dtype=bool)
        self.unusable_reason = {}
        if kind == "binary":
            label = task["label"]
            cells = column(label["column"])
            if "threshold" in label:
                op, value = label["threshold"]["operator"], float(label["threshold"]["value"])
                compare = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal}[op]
                raw = np.array([_number(c) for c in cells])
                y = np.where(np.isnan(raw), math.nan, compare(raw, value).astype(float))
            else:
                y = np.array([math.nan if m is None else float(m) for m in (_matches(c, label["positive"]) for c in cells)])
            self.y = y
            self._drop(np.isnan(y), "label missing")
        elif kind == "regression":
            y = np.array([_number(c) for c in column(task["outcome"]["column"])])
            self.y = y
            self._drop(np.isnan(y), "outcome missing")
        elif kind == "survival":
            o = task["outcome"]
            time = np.array([_number(c) for c in column(o["time"])])
            event = np.array([math.nan if m is None else float(m) for m in (_matches(c, o["eventValues"]) for c in column(o["event"]))])
            self.time, self.event = time, event
            self._drop(np.isnan(time) | np.isnan(event), "time or event missing")
            # A survival time must be positive: a row that left the study at time 0 contributes nothing.
            self._drop(~np.isnan(time) & (time <= 0), "time <= 0")
        else:
            raise ValueError(kind)

        group = task.get("group")
        self.groups = column(group) if group else [str(i) for i in range(self.n)]

    def _drop(self, mask, reason):
        new = mask & self.usable
        if new.any():
            self.unusable_reason[reason] = int(new.sum())
        self.usable &= ~mask

    def stratum(self):
        """The value folds are stratified on, per usable row."""
        kind = self.task["kind"]
        if kind == "binary":
            return self.y
        if kind == "survival":
            return self.event
        # Regression: quintiles of the outcome (ranks, so ties do not empty a bin).
        s = np.full(self.n, math.nan)
        u = np.flatnonzero(self.usable)
        order = np.argsort(self.y[u], kind="stable")
        ranks = np.empty(len(u))
        ranks[order] = np.arange(len(u))
        s[u] = np.floor(ranks * 5 / len(u))
        return s


def read_folds(task):
    with open(os.path.join(CORPUS, task["folds"]), newline="", encoding="utf-8") as h:
        reader = csv.reader(h)
        if next(reader) != ["fold"]:
            raise ValueError(f"{task['folds']}: header must be 'fold'")
        return np.array([int(r[0]) for r in reader])
