#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Mainline llama.cpp (Debian sid's packages) in a private prefix, for compatibility checks and
# side-by-side benchmarks. Nothing is built and the system is untouched: apt runs with its own
# sources list and state under the prefix, `apt-get download` + `dpkg-deb -x` unpack the packages,
# and the tools run through the prefix's own loader (sid's llama.cpp needs glibc >= 2.43).
#
# Usage: scripts/peers.sh [--prefix DIR] COMMAND [ARGS...]
#   install            download and unpack (idempotent: a complete prefix is kept; --force redoes it)
#   status             print the prefix, package versions and the ggml CPU variant; exit 4 if missing
#   run TOOL [ARGS]    run PREFIX/usr/bin/TOOL (llama-cli, llama-completion, llama-bench,
#                      llama-quantize, llama-server) with ARGS; its exit status is passed through
#   variant            print the ggml CPU backend variant chosen for this CPU
#   env                print shell assignments (PEERS_PREFIX, PEERS_LOADER, PEERS_LIBPATH,
#                      PEERS_BACKEND) for scripts that want to build their own command lines
# Environment: PEERS_PREFIX (default build-peers/llama.cpp-sid), PEERS_SUITE (sid), PEERS_MIRROR
# (http://deb.debian.org/debian), PEERS_GGML_VARIANT (override the CPU variant, e.g. haswell).
# Exit status: 0 success, 2 usage, 3 the peer cannot be installed (no network, package missing,
# unsupported machine), 4 the peer is not installed (run `install` first); `run` passes the tool's.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
prefix=${PEERS_PREFIX:-$root/build-peers/llama.cpp-sid}
suite=${PEERS_SUITE:-sid}
mirror=${PEERS_MIRROR:-http://deb.debian.org/debian}
# llama.cpp's tools and libraries plus the runtime they were built against (sid's glibc, GCC
# runtime, OpenSSL with its zlib/zstd), so nothing is taken from the host's older libraries.
packages=(llama.cpp-tools libllama0 libggml0 libc6 libstdc++6 libgcc-s1 libgomp1 libssl3t64 zlib1g libzstd1)

usage() { sed -n '3,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//' >&2; exit 2; }
die() { echo "peers: $1" >&2; exit "${2:-3}"; }

if [ "${1:-}" = "--prefix" ]; then
  [ $# -ge 2 ] || usage
  prefix=$2
  shift 2
fi
[ $# -ge 1 ] || usage
cmd=$1
shift
libdir=$prefix/usr/lib/x86_64-linux-gnu
loader=$libdir/ld-linux-x86-64.so.2
stamp=$prefix/.installed

installed() { [ -f "$stamp" ] && [ -x "$loader" ] && [ -x "$prefix/usr/bin/llama-cli" ]; }

# The best CPU variant of ggml's backends (ggml/src/CMakeLists.txt, GGML_CPU_ALL_VARIANTS) whose
# required features this CPU has, most capable first; only variants the package ships are chosen.
variant() {
  if [ -n "${PEERS_GGML_VARIANT:-}" ]; then echo "$PEERS_GGML_VARIANT"; return; fi
  local flags line name req ok f
  flags=" $(grep -m1 '^flags' /proc/cpuinfo | cut -d: -f2-) "
  while read -r line; do
    name=${line%%:*}
    req=${line#*:}
    ok=1
    for f in $req; do
      case $flags in *" $f "*) ;; *) ok=0; break ;; esac
    done
    if [ $ok = 1 ] && { [ ! -d "$libdir/ggml/backends0" ] || [ -f "$libdir/ggml/backends0/libggml-cpu-$name.so" ]; }; then
      echo "$name"
      return
    fi
  done <<'EOF'
sapphirerapids: sse4_2 avx f16c fma avx2 bmi2 avx512f avx512vbmi avx512_vnni avx512_bf16 amx_tile amx_int8
zen4: sse4_2 avx f16c fma avx2 bmi2 avx512f avx512vbmi avx512_vnni avx512_bf16
icelake: sse4_2 avx f16c fma avx2 bmi2 avx512f avx512vbmi avx512_vnni
cooperlake: sse4_2 avx f16c fma avx2 bmi2 avx512f avx512_vnni avx512_bf16
cannonlake: sse4_2 avx f16c fma avx2 bmi2 avx512f avx512vbmi
cascadelake: sse4_2 avx f16c fma avx2 bmi2 avx512f avx512_vnni
skylakex: sse4_2 avx f16c fma avx2 bmi2 avx512f
alderlake: sse4_2 avx f16c fma avx2 bmi2 avx_vnni
haswell: sse4_2 avx f16c fma avx2 bmi2
piledriver: sse4_2 avx f16c fma
ivybridge: sse4_2 avx f16c
sandybridge: sse4_2 avx
sse42: sse4_2
x64:
EOF
}

do_install() {
  local force=0
  [ "${1:-}" = "--force" ] && force=1
  if [ $force = 0 ] && installed; then
    echo "peers: llama.cpp already installed in $prefix" >&2
    return 0
  fi
  [ "$(uname -m)" = x86_64 ] || die "Debian's llama.cpp is installed for x86_64 only (this machine: $(uname -m))"
  if ! command -v apt-get >/dev/null || ! command -v dpkg-deb >/dev/null; then
    die "apt-get and dpkg-deb are needed (Debian/Ubuntu host)"
  fi
  mkdir -p "$prefix"
  prefix=$(cd "$prefix" && pwd)
  libdir=$prefix/usr/lib/x86_64-linux-gnu
  loader=$libdir/ld-linux-x86-64.so.2
  stamp=$prefix/.installed
  rm -f "$stamp"
  local apt_dir=$prefix/apt
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$prefix/debs"
  echo "deb $mirror $suite main" >"$apt_dir/sources.list"
  local opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
              -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache" -o Dir::State::status=/dev/null
              -o APT::Sandbox::User=root -o Debug::NoLocking=1 -o Acquire::Retries=1)
  echo "peers: apt-get update ($mirror $suite)" >&2
  apt-get "${opts[@]}" --error-on=any update -qq >&2 ||
    die "cannot reach $mirror ($suite): apt-get update failed (no network?); llama.cpp is not installed"
  echo "peers: downloading ${packages[*]}" >&2
  (cd "$prefix/debs" && rm -f ./*.deb && apt-get "${opts[@]}" download "${packages[@]}" >&2) ||
    die "could not download ${packages[*]} from $mirror $suite; llama.cpp is not installed"
  local deb
  for deb in "$prefix"/debs/*.deb; do dpkg-deb -x "$deb" "$prefix"; done
  if [ ! -x "$loader" ] || [ ! -x "$prefix/usr/bin/llama-cli" ]; then
    die "the unpacked packages lack $loader or llama-cli"
  fi
  # Smoke test: the loader, the libraries and one CPU backend work together on this machine.
  if ! (run_tool llama-cli --version) >"$prefix/version.txt" 2>&1 ||
     ! grep -q '^version:' "$prefix/version.txt"; then
    cat "$prefix/version.txt" >&2
    die "llama-cli from $suite does not run on this machine"
  fi
  # shellcheck disable=SC2016  # dpkg-deb expands ${Package}
  for deb in "$prefix"/debs/*.deb; do dpkg-deb -W --showformat='${Package} ${Version}\n' "$deb"; done >"$stamp"
  rm -rf "$prefix/debs"
  echo "peers: installed in $prefix ($(grep '^version:' "$prefix/version.txt"))" >&2
}

# Runs PREFIX/usr/bin/$1 through the prefix's loader (replaces the shell).
run_tool() {
  local tool=$1 backend
  shift
  [ -x "$prefix/usr/bin/$tool" ] || die "no tool '$tool' in $prefix/usr/bin (have: $(cd "$prefix/usr/bin" && echo *))" 2
  backend=$libdir/ggml/backends0/libggml-cpu-$(variant).so
  [ -f "$backend" ] || die "no ggml CPU backend $backend" 2
  # The packaged ggml looks for backends in /usr/lib/...; in a private prefix it is told which one.
  GGML_BACKEND_PATH=$backend exec "$loader" --library-path "$libdir:$libdir/llama" "$prefix/usr/bin/$tool" "$@"
}

case $cmd in
  install) do_install "$@" ;;
  status)
    installed || { echo "peers: llama.cpp is not installed in $prefix (run: $0 install)" >&2; exit 4; }
    echo "prefix: $prefix"
    echo "variant: $(variant)"
    grep '^version:' "$prefix/version.txt" || true
    sed 's/^/package: /' "$stamp"
    ;;
  variant) variant ;;
  env)
    installed || { echo "peers: llama.cpp is not installed in $prefix (run: $0 install)" >&2; exit 4; }
    printf 'PEERS_PREFIX=%q\nPEERS_LOADER=%q\nPEERS_LIBPATH=%q\nPEERS_BACKEND=%q\n' "$prefix" "$loader" \
      "$libdir:$libdir/llama" "$libdir/ggml/backends0/libggml-cpu-$(variant).so"
    ;;
  run)
    [ $# -ge 1 ] || usage
    installed || { echo "peers: llama.cpp is not installed in $prefix (run: $0 install)" >&2; exit 4; }
    run_tool "$@"
    ;;
  -h | --help | help) usage ;;
  *) echo "peers: unknown command '$cmd'" >&2; usage ;;
esac
