#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Compatibility check against mainline llama.cpp (Debian sid's build, installed by scripts/peers.sh):
# converts the TinyStories model (llama2c-bitnet) and the tiny dummies, repacks them to TQ2_0/TQ1_0,
# runs llama.cpp's llama-completion greedily on every file and tritlut-run on the same file, and
# compares the generated text. Required: llama.cpp loads exactly the files docs/convert.md says it runs
# (and refuses the others), and on the TinyStories model its text equals tritlut's from BOS and from a
# prompt. Prints a table; docs/convert.md explains the columns.
#   scripts/compat.sh            build tritlut (Release, build-compat/) and run the check
# Environment: TRITLUT_BIN=dir with tritlut-convert and tritlut-run (skips the build), COMPAT_OUT=dir
# (default build-compat), COMPAT_N=tokens per run (default 100), PEERS_* as in scripts/peers.sh.
# Exit status: 0 every check passed, 1 a check failed, 3 llama.cpp could not be installed (no network):
# nothing was compared.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${COMPAT_OUT:-build-compat}
n=${COMPAT_N:-100}
prompt="Once upon a time, a little dog"
data=${TRITLUT_SHARED_DATA:-../shared/data}
stamp() { echo "== [$SECONDS s] $*" >&2; }
mkdir -p "$out/files" "$out/runs"

if [ -z "${TRITLUT_BIN:-}" ]; then
  stamp "building tritlut-convert and tritlut-run (Release, $out/build)"
  cmake -S . -B "$out/build" -DCMAKE_BUILD_TYPE=Release -DTRITLUT_BUILD_TESTS=OFF -DTRITLUT_BUILD_BENCH=OFF \
    >"$out/configure.log" 2>&1 || { cat "$out/configure.log"; exit 1; }
  cmake --build "$out/build" -j"$(nproc)" --target tritlut-convert tritlut-run >/dev/null
  TRITLUT_BIN=$out/build/examples
fi
convert=$TRITLUT_BIN/tritlut-convert
run=$TRITLUT_BIN/tritlut-run

stamp "installing llama.cpp (scripts/peers.sh install)"
rc=0
scripts/peers.sh install || rc=$?
if [ $rc = 3 ]; then
  echo "compat: PEER UNAVAILABLE: llama.cpp could not be installed (see above); nothing was compared" >&2
  exit 3
elif [ $rc != 0 ]; then
  echo "compat: FAILED: scripts/peers.sh install exited with $rc" >&2
  exit 1
fi
peer_version=$(scripts/peers.sh status | sed -n 's/^version: //p')

# ---- the files: name, arch, format, whether mainline llama.cpp runs it (docs/convert.md), how it is made
f=$out/files
stamp "converting"
"$convert" llama2c-bitnet "$data/bitllama2c/stories3M-ternary.bin" "$data/bitllama2c/tokenizer.bin" \
  -o "$f/stories3M-i2_s.gguf" --quiet
"$convert" dummy --config tiny --vocab-size 4096 --seed 7 -o "$f/tiny-i2_s.gguf" --quiet
"$convert" dummy --config tiny --vocab-size 4096 --seed 7 --format tq2_0 -o "$f/tiny-tq2_0.gguf" --quiet \
  2>"$out/runs/tiny-tq2_0.convert.err"
failures=()
for fmt in tq2_0 tq1_0; do
  "$convert" repack "$f/stories3M-i2_s.gguf" -o "$f/stories3M-$fmt.gguf" --format $fmt --quiet 2>"$out/runs/stories3M-$fmt.convert.err"
  [ -s "$out/runs/stories3M-$fmt.convert.err" ] && failures+=("repack of the bitnet file to $fmt warned: $(cat "$out/runs/stories3M-$fmt.convert.err")")
done
"$convert" repack "$f/tiny-i2_s.gguf" -o "$f/tiny-tq1_0.gguf" --format tq1_0 --quiet 2>"$out/runs/tiny-tq1_0.convert.err"
for x in tiny-tq2_0 tiny-tq1_0; do
  grep -q "warning: .*mainline llama.cpp cannot run" "$out/runs/$x.convert.err" ||
    failures+=("writing $x.gguf (2B4T graph, TQ) did not warn that mainline cannot run it")
done
files=(
  "stories3M-i2_s bitnet I2_S no"
  "stories3M-tq2_0 bitnet TQ2_0 yes"
  "stories3M-tq1_0 bitnet TQ1_0 yes"
  "tiny-i2_s bitnet-b1.58 I2_S no"
  "tiny-tq2_0 bitnet-b1.58 TQ2_0 no"
  "tiny-tq1_0 bitnet-b1.58 TQ1_0 no"
)

# Compares tritlut's text (A) with llama.cpp's (B). From BOS llama.cpp prints the first piece with its
# SentencePiece space ("▁Once" -> " Once") where tritlut strips it; trailing newlines are not compared.
# tritlut stops when the model samples BOS (end of a TinyStories story), llama.cpp goes on: then A must
# be a prefix of B. Prints "same", "same to tritlut's end of text" or "differs at char K".
compare() {
  python3 - "$1" "$2" "$3" "$4" <<'PY'
import sys
a = open(sys.argv[1], encoding="utf-8", errors="replace").read().rstrip("\n")
b = open(sys.argv[2], encoding="utf-8", errors="replace").read().rstrip("\n")
from_bos, stopped = sys.argv[3] == "1", sys.argv[4] == "1"
if from_bos and b.startswith(" ") and not a.startswith(" "):
    b = b[1:]
if a == b:
    print("same")
elif stopped and b.startswith(a):
    print("same to tritlut's end of text")
else:
    k = next((i for i in range(min(len(a), len(b))) if a[i] != b[i]), min(len(a), len(b)))
    print(f"differs at char {k}")
PY
}

rows=()
for spec in "${files[@]}"; do
  read -r name arch fmt expect <<<"$spec"
  file=$f/$name.gguf
  r=$out/runs/$name
  stamp "$name: tritlut-run and llama-completion, greedy, $n tokens"
  tl_status=ok
  for mode in bos prompt; do
    p=""; [ $mode = prompt ] && p=$prompt
    if ! "$run" -m "$file" -p "$p" -n "$n" --temp 0 --seed 1 -t 1 >"$r.tritlut.$mode.txt" 2>"$r.tritlut.$mode.err"; then
      tl_status=FAILED
      failures+=("tritlut-run failed on $name.gguf: $(tail -1 "$r.tritlut.$mode.err")")
    elif [ ! -s "$r.tritlut.$mode.txt" ]; then
      tl_status=FAILED
      failures+=("tritlut-run generated no text on $name.gguf ($mode)")
    fi
  done
  # llama-completion: greedy (top-k 1, temperature 0), fixed seed, 1 thread. -fa off: the CPU
  # flash-attention path rounds Q to F16 and accumulates in another order, which moves logits enough
  # to flip near-ties of this small model; without it llama.cpp does tritlut's attention arithmetic.
  lc=(--temp 0 --top-k 1 --seed 1 -t 1 -n "$n" --no-display-prompt -no-cnv)
  peer="refused"
  if scripts/peers.sh run llama-completion -m "$file" -p "" "${lc[@]}" -fa off >"$r.llama.bos.txt" 2>"$r.llama.bos.err"; then
    peer="ran"
  fi
  want=$([ "$expect" = yes ] && echo ran || echo refused)
  if [ "$peer" != "$want" ]; then
    failures+=("llama.cpp $peer $name.gguf, docs/convert.md says it is $want: $(grep -m1 -E 'error|failed' "$r.llama.bos.err" || true)")
  fi
  bos="-" pr="-" fa="-" note=""
  if [ "$peer" = ran ] && [ "$tl_status" = ok ]; then
    scripts/peers.sh run llama-completion -m "$file" -p "$prompt" "${lc[@]}" -fa off >"$r.llama.prompt.txt" 2>"$r.llama.prompt.err" ||
      failures+=("llama.cpp failed on $name.gguf with a prompt")
    scripts/peers.sh run llama-completion -m "$file" -p "" "${lc[@]}" -fa on >"$r.llama.bos-fa.txt" 2>"$r.llama.bos-fa.err" || true
    for mode in bos prompt; do
      stopped=0
      k=$(sed -n 's/.*generated \([0-9]*\) tokens.*/\1/p' "$r.tritlut.$mode.err")
      [ -n "$k" ] && [ "$k" -lt "$n" ] && stopped=1
      res=$(compare "$r.tritlut.$mode.txt" "$r.llama.$mode.txt" "$([ $mode = bos ] && echo 1 || echo 0)" $stopped)
      [ $mode = bos ] && bos=$res || pr=$res
      case $res in same*) ;; *)
        [ "${name%%-*}" = stories3M ] && failures+=("$name.gguf from $mode: llama.cpp's text $res from tritlut's") ;;
      esac
    done
    fa=$(compare "$r.tritlut.bos.txt" "$r.llama.bos-fa.txt" 1 0)
  elif [ "$peer" = refused ]; then
    note=$(grep -m1 -oE "unknown model architecture: '[^']*'|tensor '[^']*' of type [0-9]+" "$r.llama.bos.err" || echo "load error")
  fi
  rows+=("$name.gguf|$arch|$fmt|$tl_status|$peer (doc: $want)|$bos|$pr|$fa|$note")
done
# tritlut itself: the TQ repacks hold the I2_S file's ternary values, so its text must not change.
for fmt in tq2_0 tq1_0; do
  for mode in bos prompt; do
    for m in stories3M tiny; do
      cmp -s "$out/runs/$m-i2_s.tritlut.$mode.txt" "$out/runs/$m-$fmt.tritlut.$mode.txt" ||
        failures+=("tritlut's text on $m-$fmt.gguf differs from $m-i2_s.gguf ($mode)")
    done
  done
done

echo
echo "llama.cpp: $peer_version ($(scripts/peers.sh variant) CPU backend); greedy, $n tokens, 1 thread; prompt '$prompt'"
{
  echo "file|arch|format|tritlut|llama.cpp|from BOS|from prompt|from BOS, -fa on|llama.cpp's error"
  printf '%s\n' "${rows[@]}"
} | column -t -s'|'
echo
if [ ${#failures[@]} -gt 0 ]; then
  printf 'compat: FAILED: %s\n' "${failures[@]}" >&2
  exit 1
fi
echo "compat: PASSED (texts and logs in $out/runs)"
