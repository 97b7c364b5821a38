#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Compatibility check against mainline llama.cpp (Debian sid's build, installed by scripts/peers.sh):
# converts the TinyStories model (llama2c-bitnet), a tiny random SiLU checkpoint (hf) and the tiny
# dummies, repacks them to TQ2_0/TQ1_0, runs llama.cpp's llama-completion greedily on every file and
# tritlut-run on the same file, and compares the generated text. Required: llama.cpp loads exactly the files docs/convert.md says it runs
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
# A tiny 1bitLLM-style Hugging Face checkpoint (SiLU FFN -> arch bitnet, float master weights, a
# byte-level BPE tokenizer.json): the `hf` path and a `gpt2` vocabulary in llama.cpp.
python3 - "$out/hf-silu" <<'PY'
import json, os, random, struct, sys
d = sys.argv[1]
os.makedirs(d, exist_ok=True)
H, F, L, NH, NKV, hd = 256, 256, 2, 4, 2, 64
bs = [b for b in range(0x21, 0x7F)] + [b for b in range(0xA1, 0xAD)] + [b for b in range(0xAE, 0x100)]
cs, n = bs[:], 0
for b in range(256):  # the GPT-2 byte-to-unicode map
    if b not in bs:
        bs.append(b); cs.append(256 + n); n += 1
byte_char = {b: chr(c) for b, c in zip(bs, cs)}
vocab = {byte_char[b]: b for b in range(256)}
merges = []
for left, right in [("\u0120", "t"), ("h", "e"), ("\u0120t", "he"), ("\u0120", "a"), ("o", "n")]:
    merges.append(left + " " + right)
    vocab[left + right] = len(vocab)
bos, eos = len(vocab), len(vocab) + 1
tok = {"model": {"type": "BPE", "vocab": vocab, "merges": merges},
       "pre_tokenizer": {"type": "ByteLevel"}, "decoder": {"type": "ByteLevel"},
       "added_tokens": [{"id": bos, "content": "<s>", "special": True}, {"id": eos, "content": "</s>", "special": True}],
       "post_processor": {"type": "TemplateProcessing",  # prepends BOS (add_bos_token true)
                          "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}]}}
V = eos + 1
json.dump(tok, open(os.path.join(d, "tokenizer.json"), "w"))
json.dump({"hidden_act": "silu", "hidden_size": H, "intermediate_size": F, "num_hidden_layers": L,
           "num_attention_heads": NH, "num_key_value_heads": NKV, "max_position_embeddings": 512,
           "rope_theta": 10000.0, "rms_norm_eps": 1e-5, "bos_token_id": bos, "eos_token_id": eos},
          open(os.path.join(d, "config.json"), "w"))
rng = random.Random(20)
tensors = []
def add(name, shape, lo, hi):
    count = 1
    for x in shape: count *= x
    tensors.append((name, shape, struct.pack("<%df" % count, *(rng.uniform(lo, hi) for _ in range(count)))))
# Tied embedding: rows of U(-1, 1) spread the logits (few near-ties); the rows of bytes outside printable
# ASCII are 0, so greedy text stays valid UTF-8 that both engines print alike.
emb = []
for v in range(V):
    zero = v < 256 and not 0x20 <= v < 0x7F
    emb += [0.0 if zero else rng.uniform(-1.0, 1.0) for _ in range(H)]
tensors.append(("model.embed_tokens.weight", [V, H], struct.pack("<%df" % len(emb), *emb)))
add("model.norm.weight", [H], 0.9, 1.1)
for l in range(L):
    p = "model.layers.%d." % l
    for name, shape in [("input_layernorm", [H]), ("post_attention_layernorm", [H]),
                        ("self_attn.inner_attn_ln", [H]), ("mlp.ffn_layernorm", [F])]:
        add(p + name + ".weight", shape, 0.9, 1.1)
    for name, shape in [("self_attn.q_proj", [H, H]), ("self_attn.k_proj", [NKV * hd, H]),
                        ("self_attn.v_proj", [NKV * hd, H]), ("self_attn.o_proj", [H, H]),
                        ("mlp.gate_proj", [F, H]), ("mlp.up_proj", [F, H]), ("mlp.down_proj", [H, F])]:
        add(p + name + ".weight", shape, -1.0, 1.0)
header, off = {}, 0
for name, shape, data in tensors:
    header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [off, off + len(data)]}
    off += len(data)
hb = json.dumps(header).encode()
hb += b" " * (-len(hb) % 8)
with open(os.path.join(d, "model.safetensors"), "wb") as fh:
    fh.write(struct.pack("<Q", len(hb)) + hb)
    for _, _, data in tensors:
        fh.write(data)
PY
"$convert" hf "$out/hf-silu" -o "$f/hf-silu-i2_s.gguf" --quiet
failures=()
for m in stories3M hf-silu; do
  for fmt in tq2_0 tq1_0; do
    "$convert" repack "$f/$m-i2_s.gguf" -o "$f/$m-$fmt.gguf" --format $fmt --quiet 2>"$out/runs/$m-$fmt.convert.err"
    [ -s "$out/runs/$m-$fmt.convert.err" ] && failures+=("repack of the bitnet file $m to $fmt warned: $(cat "$out/runs/$m-$fmt.convert.err")")
  done
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
  "hf-silu-i2_s bitnet I2_S no"
  "hf-silu-tq2_0 bitnet TQ2_0 yes"
  "hf-silu-tq1_0 bitnet TQ1_0 yes"
  "tiny-i2_s bitnet-b1.58 I2_S no"
  "tiny-tq2_0 bitnet-b1.58 TQ2_0 no"
  "tiny-tq1_0 bitnet-b1.58 TQ1_0 no"
)

# Columns "from BOS" / "from prompt": tritlut's text against llama.cpp's (-fa off); required to be the
# same on the trained TinyStories model. Random-weight models have near-ties a rounding flips, so their
# texts part early; "llama.cpp -fa on vs off" shows where llama.cpp's own two attention paths part on
# the same file, the scale of such arithmetic noise.
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

# Runs llama-completion with stdout/stderr into BASE.txt/BASE.err; returns its exit status. llama.cpp
# prints through an asynchronous logger that, on a busy machine, was seen to lose the tail of its
# output at exit (text cut short, exit status 0); a run whose log lacks its closing line (the timing
# summary on success, an error line on failure) is repeated, up to 5 times.
llama() {
  local base=$1 try rc
  shift
  for try in 1 2 3 4 5; do
    rc=0
    scripts/peers.sh run llama-completion "$@" >"$base.txt" 2>"$base.err" || rc=$?
    if [ $rc = 0 ] && grep -q "total time" "$base.err"; then return 0; fi
    if [ $rc != 0 ] && grep -q " E " "$base.err"; then return $rc; fi
    echo "compat: llama-completion output incomplete (exit status $rc), run $try of 5: $base" >&2
  done
  return $rc
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
  peer="refused" peer_rc=0
  llama "$r.llama.bos" -m "$file" -p "" "${lc[@]}" -fa off || peer_rc=$?
  [ $peer_rc = 0 ] && peer="ran"
  want=$([ "$expect" = yes ] && echo ran || echo refused)
  if [ "$peer" != "$want" ]; then
    failures+=("llama.cpp $peer $name.gguf, docs/convert.md says it is $want: $(grep -m1 -E 'error|failed' "$r.llama.bos.err" || true)")
  fi
  bos="-" pr="-" fa="-" note=""
  if [ "$peer" = ran ] && [ "$tl_status" = ok ]; then
    llama "$r.llama.prompt" -m "$file" -p "$prompt" "${lc[@]}" -fa off ||
      failures+=("llama.cpp failed on $name.gguf with a prompt")
    llama "$r.llama.bos-fa" -m "$file" -p "" "${lc[@]}" -fa on || true
    llama "$r.llama.prompt-fa" -m "$file" -p "$prompt" "${lc[@]}" -fa on || true
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
    # llama.cpp's two attention paths against each other: how far arithmetic noise alone keeps one text
    fa="$(compare "$r.llama.bos-fa.txt" "$r.llama.bos.txt" 0 0) / $(compare "$r.llama.prompt-fa.txt" "$r.llama.prompt.txt" 0 0)"
  elif [ "$peer" = refused ]; then
    note=$(grep -m1 -oE "unknown model architecture: '[^']*'|tensor '[^']*' of type [0-9]+" "$r.llama.bos.err" || echo "exit status $peer_rc, no message")
  fi
  rows+=("$name.gguf|$arch|$fmt|$tl_status|$peer (doc: $want)|$bos|$pr|$fa|$note")
done
# tritlut itself: the TQ repacks hold the I2_S file's ternary values, so its text must not change.
for fmt in tq2_0 tq1_0; do
  for mode in bos prompt; do
    for m in stories3M hf-silu tiny; do
      cmp -s "$out/runs/$m-i2_s.tritlut.$mode.txt" "$out/runs/$m-$fmt.tritlut.$mode.txt" ||
        failures+=("tritlut's text on $m-$fmt.gguf differs from $m-i2_s.gguf ($mode)")
    done
  done
done

echo
echo "llama.cpp: $peer_version ($(scripts/peers.sh variant) CPU backend); greedy, $n tokens, 1 thread; prompt '$prompt'"
{
  echo "file|arch|format|tritlut|llama.cpp|from BOS|from prompt|llama.cpp -fa on vs off|llama.cpp's error"
  printf '%s\n' "${rows[@]}"
} | column -t -s'|'
echo
if [ ${#failures[@]} -gt 0 ]; then
  printf 'compat: FAILED: %s\n' "${failures[@]}" >&2
  exit 1
fi
echo "compat: PASSED (texts and logs in $out/runs)"
