#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Compares two benchmark result files written by scripts/bench.sh (docs/benchmarks/*.json):
# kernel results (Google Benchmark JSON) or end-to-end results (tritlut-run bench JSON).
# Prints, for every case present in both, old and new time (or tokens/s) and the speed-up new/old.
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
    if isinstance(d, dict) and "benchmarks" in d:  # Google Benchmark: lower time is better
        for b in d["benchmarks"]:
            if b.get("run_type") == "aggregate" and b.get("aggregate_name") != "median":
                continue
            name = b.get("run_name", b["name"])
            out[name] = ("time", float(b["real_time"]), b.get("time_unit", "ns"))
    else:  # tritlut-run bench rows: higher tokens/s is better
        rows = d["results"] if isinstance(d, dict) else d
        for r in rows:
            key = "{model} {kernel} {isa} t{threads} {test}".format(**r)
            out[key] = ("tps", float(r["tps"]), "t/s")
    return out

old, new = load(sys.argv[1]), load(sys.argv[2])
common = [k for k in new if k in old]
if not common:
    sys.exit("no case is present in both files")
w = max(len(k) for k in common)
print(f"{'case':<{w}}  {'old':>12}  {'new':>12}  speed-up")
ratios = []
for k in common:
    kind, o, unit = old[k]
    _, n, _ = new[k]
    r = (o / n) if kind == "time" else (n / o)
    ratios.append(r)
    print(f"{k:<{w}}  {o:>10.4g}{unit[:2]:>2}  {n:>10.4g}{unit[:2]:>2}  {r:7.3f}x")
ratios.sort()
print(f"\n{len(common)} cases; median speed-up {ratios[len(ratios)//2]:.3f}x, "
      f"min {ratios[0]:.3f}x, max {ratios[-1]:.3f}x")
PY
