#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs the whole benchmark: builds Release, measures the machine's ceilings and every kernel
# (tritlut-bench), then tritlut-run bench on dummy models of the paper's configurations at 1 and N
# threads. The raw results go to bench/results/ (kernels.json, e2e.md, models.tsv, machine.txt and
# the logs), the report made from them to docs/benchmarks.md and docs/benchmarks_tps_vs_size.svg.
#   scripts/bench.sh            full run (about 20-30 minutes on 2 cores)
#   scripts/bench.sh --quick    a few kernel cases and two small models (a couple of minutes)
# Environment: BENCH_CONFIGS="125M 350M ..." overrides the model list, BENCH_OUT=dir the results dir,
# BENCH_COMPAT=1 first runs scripts/compat.sh (llama.cpp from Debian sid beside tritlut on the same
# files; a few seconds plus a 13 MB download once) into $BENCH_OUT/compat.txt: a failed check stops
# the benchmark, an uninstallable peer (no network) is reported and the benchmark goes on.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
quick=0
[ "${1:-}" = "--quick" ] && quick=1
scripts/deps.sh
stamp() { echo "== [$SECONDS s] $*" >&2; }

build=build-bench
stamp "building Release ($build)"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DTRITLUT_BUILD_TESTS=OFF >"$build.configure.log" 2>&1 ||
  { cat "$build.configure.log"; exit 1; }
cmake --build "$build" -j"$(nproc)" --target tritlut-bench tritlut-run tritlut-convert >/dev/null
bench="$build/bench/tritlut-bench"
run="$build/examples/tritlut-run"
convert="$build/examples/tritlut-convert"

out=${BENCH_OUT:-bench/results}
mkdir -p "$out"

# ---- optional: compatibility with mainline llama.cpp (scripts/compat.sh)
if [ "${BENCH_COMPAT:-0}" = 1 ]; then
  stamp "compatibility check (scripts/compat.sh)"
  compat_rc=0
  TRITLUT_BIN="$build/examples" scripts/compat.sh >"$out/compat.txt" 2>"$out/compat.log" || compat_rc=$?
  cat "$out/compat.txt" >&2
  case $compat_rc in
    0) ;;
    3) stamp "WARNING: llama.cpp could not be installed: compatibility NOT checked (see $out/compat.log)"
       echo "compat: PEER UNAVAILABLE (llama.cpp could not be installed; nothing compared)" >>"$out/compat.txt" ;;
    *) tail -20 "$out/compat.log" >&2; stamp "compatibility check FAILED"; exit 1 ;;
  esac
fi
threads=$(nproc)
reps=3
e2e_reps=3

# ---- machine description
{
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs)"
  echo "flags: $(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -E '^(sse4_1|ssse3|avx|avx2|fma|f16c|avx512f|avx512bw|avx512vl|avx512_vnni|avx_vnni|asimd|asimddp)$' | tr '\n' ' ')"
  echo "cores: $(nproc) (logical)"
  echo "memory: $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
  echo "llc: $(cat /sys/devices/system/cpu/cpu0/cache/index3/size 2>/dev/null || echo unknown)"
  echo "kernel: $(uname -sr)"
  echo "compiler: $(c++ --version | head -1)"
  echo "tritlut: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet -- . ":(exclude)$out" ":(exclude)docs/benchmarks.md" ":(exclude)docs/benchmarks_tps_vs_size.svg" 2>/dev/null || echo ' (modified)')"
  echo "date: $(date -u +%Y-%m-%d)"
  echo "repetitions: $reps"
  echo "e2e_reps: $e2e_reps"
} >"$out/machine.txt"

# ---- kernels
filter='.'
min_time=0.1
if [ $quick = 1 ]; then
  filter='^(ceiling|(i2s|tl1|tl2)/(2560x2560|6912x2560)/b(1|16)/t1/(llc|dram)|quantize|tl_lut)'
  min_time=0.05
fi
stamp "kernel suite (tritlut-bench, filter '$filter')"
"$bench" --benchmark_filter="$filter" --benchmark_min_time=$min_time --benchmark_repetitions=$reps \
  --benchmark_report_aggregates_only=true --benchmark_out="$out/kernels.json" --benchmark_out_format=json \
  >"$out/kernels.txt" 2>"$out/kernels.log" || { tail -20 "$out/kernels.log"; exit 1; }

# ---- end to end on dummy models
configs=${BENCH_CONFIGS:-"125M 350M 700M 1.5B 2b4t 3.8B 7B"}
[ $quick = 1 ] && configs=${BENCH_CONFIGS:-"125M 350M"}
mem_kib=$(awk '/MemAvailable/ {print $2}' /proc/meminfo)
tmp="$build/models"
mkdir -p "$tmp"
: >"$out/e2e.md"
: >"$out/models.tsv"
for cfg in $configs; do
  # Models need their file in memory once plus the KV cache: skip what this machine cannot hold.
  case $cfg in 13B) need=5000000 ;; 30B) need=10000000 ;; 70B) need=22000000 ;; 100B) need=30000000 ;; *) need=0 ;; esac
  if [ "$mem_kib" -lt "$need" ]; then stamp "skipping $cfg: not enough memory"; continue; fi
  f="$tmp/$cfg.gguf"
  vocab=(--vocab-size 32002)
  [ "$cfg" = 2b4t ] && vocab=()  # the exact 2B4T shape: 128256-token F16 tied embedding
  stamp "model $cfg: tritlut-convert dummy"
  "$convert" dummy --config "$cfg" "${vocab[@]}" -o "$f" --seed 1 2>/dev/null
  python3 - "$f" "$cfg" >>"$out/models.tsv" <<'PY'
import struct, sys
path, cfg = sys.argv[1], sys.argv[2]
with open(path, "rb") as fh:
    data = fh.read(64 << 20)
def rd(fmt, off):
    return struct.unpack_from("<" + fmt, data, off)
assert data[:4] == b"GGUF"
n_t, n_kv = rd("Q", 8)[0], rd("Q", 16)[0]
off, name = 24, ""
def skip_value(t, off):
    sizes = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}
    if t in sizes: return off + sizes[t]
    if t == 8: return off + 8 + rd("Q", off)[0]
    et, n = rd("I", off)[0], rd("Q", off + 4)[0]
    off += 12
    for _ in range(n): off = skip_value(et, off)
    return off
for _ in range(n_kv):
    kl = rd("Q", off)[0]; key = data[off + 8: off + 8 + kl].decode(); off += 8 + kl
    t = rd("I", off)[0]; off += 4
    if key == "general.name" and t == 8:
        sl = rd("Q", off)[0]; name = data[off + 8: off + 8 + sl].decode()
    off = skip_value(t, off)
params = 0
for _ in range(n_t):
    nl = rd("Q", off)[0]; off += 8 + nl
    nd = rd("I", off)[0]; off += 4
    p = 1
    for d in range(nd): p *= rd("Q", off + 8 * d)[0]
    off += 8 * nd + 4 + 8
    params += p
import os
print(f"{cfg}\t{params}\t{os.path.getsize(path)}\t{name}")
PY
  p=128 n=64
  case $cfg in 3.8B|7B|13B|30B|70B|100B) p=64 n=32 ;; esac
  [ $quick = 1 ] && { p=32; n=16; }
  stamp "model $cfg: tritlut-run bench -p $p -n $n -t 1,$threads --kernel i2s,tl1,tl2"
  "$run" bench -m "$f" -p "$p" -n "$n" -t "1,$threads" -r "$e2e_reps" --kernel i2s,tl1,tl2 >>"$out/e2e.md" \
    2>>"$out/e2e.log" || { tail -20 "$out/e2e.log"; exit 1; }
  if [ "$cfg" = 2b4t ]; then  # the int8 lm_head (built at load) and weights copied to memory, for the tg bars
    for variant in "--lm-head q8" "--no-mmap" "--lm-head q8 --no-mmap"; do
      stamp "model $cfg: tritlut-run bench $variant"
      # shellcheck disable=SC2086  # $variant is a list of flags
      "$run" bench -m "$f" -p "$p" -n "$n" -t "1,$threads" -r "$e2e_reps" --kernel i2s,tl2 $variant >>"$out/e2e.md" \
        2>>"$out/e2e.log" || { tail -20 "$out/e2e.log"; exit 1; }
    done
  fi
  rm -f "$f"
done

stamp "writing docs/benchmarks.md"
python3 scripts/bench_report.py "$out" docs/benchmarks.md
stamp "done: docs/benchmarks.md, $out/"
