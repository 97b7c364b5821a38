#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The first command of the README: build (Release) and run a BitNet b1.58 model with tritlut-run.
#
#   scripts/demo.sh              TinyStories ternary model from ../shared/data/bitllama2c if present,
#                                else a small random-weight BitNet model made here (nothing downloaded)
#   scripts/demo.sh MODEL.gguf   your own model (or a bitllama2.c MODEL.bin next to tokenizer.bin)
#
# Env: BUILD_DIR (default build-demo), JOBS (default 2), THREADS (default: tritlut-run's choice).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-$root/build-demo}"
jobs="${JOBS:-2}"
threads=()
[ -n "${THREADS:-}" ] && threads=(-t "$THREADS")

say() { printf '\n\033[1m== %s\033[0m\n' "$*" >&2; }

# 1. Build (only the two programs; the packages are installed if missing).
if [ ! -x "$build/examples/tritlut-run" ] || [ ! -x "$build/examples/tritlut-convert" ]; then
  if ! command -v cmake >/dev/null || ! dpkg -s libxsimd-dev >/dev/null 2>&1; then
    "$root/scripts/deps.sh"
  fi
  say "building tritlut-run and tritlut-convert (Release) in $build"
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DTRITLUT_BUILD_TESTS=OFF -DTRITLUT_BUILD_BENCH=OFF >/dev/null
  cmake --build "$build" --target tritlut-run tritlut-convert -j "$jobs"
fi
run="$build/examples/tritlut-run"
convert="$build/examples/tritlut-convert"
data="${DEMO_DATA:-$root/../shared/data/bitllama2c}"  # DEMO_DATA=/none forces the dummy path
work="$build/demo-models"
mkdir -p "$work"

model="${1:-}"
if [ -n "$model" ] && [[ "$model" == *.bin ]]; then
  say "converting bitllama2.c model $model"
  "$convert" llama2c-bitnet "$model" "$(dirname "$model")/tokenizer.bin" -o "$work/user-model.gguf" --quiet
  model="$work/user-model.gguf"
fi

if [ -z "$model" ] && [ -f "$data/stories3M-ternary.bin" ]; then
  # 2a. The real thing: a ternary TinyStories model (bitllama2.c, 3M parameters).
  model="$work/stories3M-ternary.gguf"
  say "converting the TinyStories ternary model (bitllama2.c) -> $model"
  "$convert" llama2c-bitnet "$data/stories3M-ternary.bin" "$data/tokenizer.bin" -o "$model" --quiet
  say "greedy: tritlut-run -m $model -p \"Once upon a time\" -n 120 --temp 0"
  "$run" -m "$model" -p "Once upon a time" -n 120 --temp 0 "${threads[@]}"
  say "sampled: --temp 0.8 --top-p 0.9 --seed 42"
  "$run" -m "$model" -p "Once upon a time" -n 120 --temp 0.8 --top-p 0.9 --seed 42 "${threads[@]}"
  say "bench: tritlut-run bench -m $model -p 128 -n 64 --kernel i2s,tl2"
  "$run" bench -m "$model" -p 128 -n 64 -r 3 --kernel i2s,tl2 "${threads[@]}"
elif [ -n "$model" ]; then
  say "tritlut-run -m $model -p \"Once upon a time\" -n 64"
  "$run" -m "$model" -p "Once upon a time" -n 64 --verbose "${threads[@]}"
  say "bench"
  "$run" bench -m "$model" -p 128 -n 32 -r 3 "${threads[@]}"
else
  # 2b. No model data: a random-weight BitNet b1.58 model of the paper's 125M shape (its text is
  # gibberish by construction; the point is the speed and that every piece runs).
  model="$work/dummy-125M.gguf"
  if [ ! -f "$model" ]; then
    say "making a random-weight 125M BitNet b1.58 model -> $model"
    "$convert" dummy --config 125M --vocab-size 4096 --seed 1 -o "$model" --quiet
  fi
  say "tritlut-run -m $model -p \"Once upon a time\" -n 32 (random weights: expect gibberish)"
  "$run" -m "$model" -p "Once upon a time" -n 32 --seed 1 --verbose "${threads[@]}"
  say "bench: tritlut-run bench -m $model -p 128 -n 32 --kernel i2s,tl2"
  "$run" bench -m "$model" -p 128 -n 32 -r 3 --kernel i2s,tl2 "${threads[@]}"
fi
