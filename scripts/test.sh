#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs every tritlut test on a fresh Debian machine: installs the dependencies, then
#   gcc    g++ Release build with -Werror (library, tests, benchmarks, examples); all tests
#   clang  clang++ Release build with -Werror; all tests but the slow ones
#   asan   g++ ASan+UBSan build (-O1 -g1); all tests but the slow ones and the packaging ones
#   arm    aarch64 cross build (-Werror) with tests under qemu-aarch64 on a NEON-only and on a
#          NEON+dotprod CPU model
#   xsimd  g++ -Werror builds of the library's tests and packages against Debian trixie's and sid's
#          xsimd (13.x, 14.x; fetched into build-test-xsimd-*/ by scripts/fetch-xsimd.sh, the system
#          is untouched); all tests but the slow ones. The example is left out: it reaches xsimd
#          only through the library, whose tests cover every kernel, and it would double the stage. XSIMD_SUITES="trixie sid" (the default) picks the Debian suites; sid
#          follows xsimd upstream, so a new major version shows up here first
#   fuzz   clang libFuzzer targets (GGUF reader, tokenizers, JSON, model loader, llama2c and hf
#          converter readers), FUZZ_SECONDS each (default 40: 6 targets, about 4 minutes)
# Usage: scripts/test.sh [stage...]    (default: all stages, in the order above)
# Every x86 ISA the CPU has is tested inside each test binary (tritlut::scoped_isa forces each).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
jobs=${JOBS:-$(nproc)}
stages=("$@")
[ ${#stages[@]} -gt 0 ] || stages=(gcc clang asan arm xsimd fuzz)
scripts/deps.sh

t0=$(date +%s)
stamp() { echo "== [$(( $(date +%s) - t0 ))s] $*" >&2; }
configure() {  # dir, cmake args...
  local dir=$1; shift
  cmake -S "$root" -B "$dir" -DCMAKE_EXPORT_COMPILE_COMMANDS=ON "$@" >"$dir.configure.log" 2>&1 ||
    { cat "$dir.configure.log"; return 1; }
}
configure_build() {  # dir, cmake args...
  configure "$@"
  cmake --build "$1" -j"$jobs"
}

for stage in "${stages[@]}"; do
  case "$stage" in
    gcc)
      stamp "g++ -Werror build"
      configure_build build-test-gcc -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=g++ -DTRITLUT_WERROR=ON
      stamp "g++ tests"
      ctest --test-dir build-test-gcc -j"$jobs" --output-on-failure
      ;;
    clang)
      stamp "clang++ -Werror build"
      configure_build build-test-clang -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=clang++ -DTRITLUT_WERROR=ON
      stamp "clang++ tests"
      ctest --test-dir build-test-clang -j"$jobs" --output-on-failure -LE slow
      ;;
    asan)
      stamp "ASan+UBSan build"
      # -O1 -g1 (line tables, what ASan's reports use): the per-ISA kernel TUs compile 2.3x faster
      # than at -O2 -g (one avx2 TU: 147 s against 342 s, measured on a busy 2-core VM).
      configure_build build-test-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=g++ \
        "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG" -DTRITLUT_SANITIZE=ON -DTRITLUT_BUILD_BENCH=OFF
      stamp "ASan+UBSan tests"
      ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        ctest --test-dir build-test-asan -j"$jobs" --output-on-failure -LE slow
      ;;
    arm)
      stamp "aarch64 cross build"
      configure_build build-test-arm -DCMAKE_BUILD_TYPE=Release -DCMAKE_TOOLCHAIN_FILE="$root/cmake/aarch64-linux-gnu.cmake" \
        -DTRITLUT_BUILD_BENCH=OFF -DTRITLUT_WERROR=ON
      for cpu in cortex-a53 cortex-a76; do
        stamp "aarch64 tests under qemu -cpu $cpu"
        TRITLUT_QEMU_CPU=$cpu ctest --test-dir build-test-arm -j"$jobs" --output-on-failure -LE slow
      done
      ;;
    xsimd)
      for suite in ${XSIMD_SUITES:-trixie sid}; do
        prefix="$root/build-test-xsimd-$suite/prefix"
        ver=$(scripts/fetch-xsimd.sh "$suite" "$prefix")
        stamp "g++ -Werror build against xsimd $ver (Debian $suite)"
        configure_build "build-test-xsimd-$suite/build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=g++ \
          -DTRITLUT_WERROR=ON -DTRITLUT_BUILD_BENCH=OFF -DTRITLUT_BUILD_EXAMPLES=OFF -Dxsimd_DIR="$prefix/usr/share/cmake/xsimd" \
          -Dxtl_DIR="$prefix/usr/share/cmake/xtl"
        stamp "tests against xsimd $ver"
        ctest --test-dir "build-test-xsimd-$suite/build" -j"$jobs" --output-on-failure -LE slow
      done
      ;;
    fuzz)
      stamp "libFuzzer build (clang, ASan+UBSan)"
      configure build-test-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
        -DTRITLUT_BUILD_FUZZERS=ON -DTRITLUT_BUILD_BENCH=OFF
      targets=(gguf tokenizer json model llama2c hf)
      cmake --build build-test-fuzz -j"$jobs" --target "${targets[@]/#/fuzz_}" fuzz_seeds
      secs=${FUZZ_SECONDS:-40}
      fz="$root/build-test-fuzz/tests/fuzz"
      for t in "${targets[@]}"; do
        stamp "fuzz_$t for ${secs}s"
        max_len=4096
        case $t in
          gguf) seeds=$fz/seeds/gguf ;; tokenizer) seeds=$fz/seeds/text ;; json) seeds=$fz/seeds/json ;;
          model) seeds=$fz/seeds/model ;; llama2c) seeds=$fz/seeds/llama2c ;;
          hf) seeds=$fz/seeds/hf; max_len=8192 ;;  # three files in one input (make_seeds.cpp)
        esac
        corpus="$fz/corpus_$t"
        mkdir -p "$corpus"
        "$fz/fuzz_$t" -seed=1 -max_total_time="$secs" -rss_limit_mb=2048 -max_len=$max_len -print_final_stats=1 \
          "$corpus" "$seeds" 2>"$fz/fuzz_$t.log" || { tail -50 "$fz/fuzz_$t.log"; exit 1; }
        grep -E "stat::number_of_executed_units|Done" "$fz/fuzz_$t.log" | tail -2 >&2
      done
      ;;
    *) echo "unknown stage '$stage' (gcc clang asan arm xsimd fuzz)" >&2; exit 2 ;;
  esac
done
stamp "all stages passed: ${stages[*]}"
