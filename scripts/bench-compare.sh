#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Compares two kernel result files written by scripts/bench.sh (bench/results/kernels.json,
# Google Benchmark JSON). Prints, for every case present in both, old and new time and the
# speed-up old/new.
#   scripts/bench-compare.sh old/kernels.json new/kernels.json
set -euo pipefail
if [ $# -ne 2 ] || [ ! -f "$1" ] || [ ! -f "$2" ]; then
  echo "usage: scripts/bench-compare.sh OLD.json NEW.json" >&2
  exit 2
fi
exec python3 - "$1" "$2" <<'PY'
import json, sys

def load(path):
    with open(path) as f:
        d = json.load(f)
    out = {}
    for b in d["benchmarks"]:  # lower time is better
        if b.get("run_type") == "aggregate" and b.get("aggregate_name") != "median":
            continue
        out[b.get("run_name", b["name"])] = (float(b["real_time"]), b.get("time_unit", "ns"))
    return out

old, new = load(sys.argv[1]), load(sys.argv[2])
common = [k for k in new if k in old]
if not common:
    sys.exit("no case is present in both files")
w = max(len(k) for k in common)
print(f"{'case':<{w}}  {'old':>12}  {'new':>12}  speed-up")
ratios = []
for k in common:
    (o, unit), (n, _) = old[k], new[k]
    r = o / n
    ratios.append(r)
    print(f"{k:<{w}}  {o:>10.4g}{unit[:2]:>2}  {n:>10.4g}{unit[:2]:>2}  {r:7.3f}x")
ratios.sort()
print(f"\n{len(common)} cases; median speed-up {ratios[len(ratios)//2]:.3f}x, "
      f"min {ratios[0]:.3f}x, max {ratios[-1]:.3f}x")
PY
