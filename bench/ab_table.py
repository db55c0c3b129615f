"""Median of each case over the rounds of scripts/bench_ab.sh, per build, and B/A.

Reads OUT/A-<round>.json and OUT/B-<round>.json (facenet bench --out); writes OUT/ab.csv too.
For rate units (img/s, GFLOP/s) a ratio above 1 means B is faster; for times (ms, s) below 1.
"""
import csv
import glob
import json
import os
import statistics
import sys

out = sys.argv[1]
values = {}  # (case, unit) -> {"A": [...], "B": [...]}
machine = ""
for side in ("A", "B"):
    for path in sorted(glob.glob(os.path.join(out, f"{side}-*.json"))):
        with open(path) as f:
            report = json.load(f)
        machine = report.get("machine", {}).get("CPU", machine)
        for case in report["cases"]:
            values.setdefault((case["name"], case["unit"]), {"A": [], "B": []})[side].append(case["value"])

rows = []
for (name, unit), sides in values.items():
    if not sides["A"] or not sides["B"]:
        continue
    a, b = statistics.median(sides["A"]), statistics.median(sides["B"])
    rows.append((name, unit, a, b, b / a if a else float("nan"), len(sides["A"]), min(sides["B"]), max(sides["B"])))

print(f"CPU: {machine}")
print(f"{'case':44} {'unit':8} {'A median':>10} {'B median':>10} {'B/A':>6}  rounds  B range")
for name, unit, a, b, ratio, n, lo, hi in rows:
    print(f"{name:44} {unit:8} {a:10.2f} {b:10.2f} {ratio:6.3f}  {n:6}  {lo:.2f}-{hi:.2f}")
with open(os.path.join(out, "ab.csv"), "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["case", "unit", "a_median", "b_median", "b_over_a", "rounds"])
    for name, unit, a, b, ratio, n, _, _ in rows:
        w.writerow([name, unit, a, b, ratio, n])
