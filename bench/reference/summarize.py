"""Collects results/{task}.json (and results/values-scope/) into summary.json and summary.md: per task the
mean over the 5 folds of every metric of every reference model, and which one the product is compared with.

Usage: python3 bench/reference/summarize.py
"""
import json
import os

import suite

HERE = os.path.dirname(os.path.abspath(__file__))
METRICS = {"binary": ["auc"], "regression": ["rmse", "mae", "r2"], "survival": ["harrellC", "unoC", "ibs"]}


def collect(folder):
    manifest = suite.load_manifest()
    tasks = []
    for task in manifest["tasks"]:
        path = os.path.join(folder, f"{task['id']}.json")
        if not os.path.exists(path):
            continue
        with open(path, encoding="utf-8") as h:
            r = json.load(h)
        ref = task["reference"]
        entry = {"task": task["id"], "table": task["table"], "kind": task["kind"], "rowsUsed": r.get("rowsUsed"),
                 "compare": {"model": ref["compare"], "metric": ref["metric"], "tolerance": ref["tolerance"],
                             "toleranceKind": ref["toleranceKind"],
                             "value": r["models"][ref["compare"]]["mean"][ref["metric"]]},
                 "means": {m: v["mean"] for m, v in r["models"].items()},
                 "sd": {m: v["sd"] for m, v in r["models"].items()}}
        if task["kind"] == "survival":
            entry["rowsUsed"] = sum(f["test"] for f in r["models"][ref["compare"]]["folds"])
            entry["tau"] = r["tau"]
        tasks.append(entry)
    return tasks


def markdown(tasks, title):
    lines = [f"# {title}", "", "Mean over the 5 held-out folds (SD over folds in brackets). The column *compare* is the",
             "reference the product is held to; the others are context. Regenerate with `bench/reference/run.sh`.", "",
             "| task | kind | rows | compare | value | other references (mean) |", "| --- | --- | ---: | --- | ---: | --- |"]
    for t in tasks:
        c = t["compare"]
        sd = t["sd"][c["model"]].get(c["metric"])
        tol = f"±{c['tolerance']}" if c["toleranceKind"] == "absolute" else f"±{c['tolerance'] * 100:g}%"
        others = []
        for model, means in t["means"].items():
            keys = [k for k in METRICS[t["kind"]] if k in means and not (model == c["model"] and k == c["metric"])]
            if keys:
                others.append(f"{model}: " + ", ".join(f"{k} {means[k]:.4f}" for k in keys))
        lines.append(f"| {t['task']} | {t['kind']} | {t['rowsUsed']} | {c['model']} {c['metric']} ({tol}) | "
                     f"{c['value']:.4f} ({sd:.4f}) | {'; '.join(others)} |")
    return "\n".join(lines) + "\n"


def main():
    for scope, folder, title in [("all", os.path.join(HERE, "results"), "Reference numbers (every slot standardized)"),
                                 ("values", os.path.join(HERE, "results", "values-scope"),
                                  "Reference numbers (only numeric value slots standardized)")]:
        tasks = collect(folder)
        if not tasks:
            continue
        with open(os.path.join(folder, "summary.json"), "w", encoding="utf-8", newline="\n") as h:
            json.dump({"standardization": scope, "tasks": tasks}, h, indent=1)
            h.write("\n")
        with open(os.path.join(folder, "summary.md"), "w", encoding="utf-8", newline="\n") as h:
            h.write(markdown(tasks, title))
        print(f"{folder}: {len(tasks)} tasks summarized")


if __name__ == "__main__":
    main()
