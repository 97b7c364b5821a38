// SPDX-License-Identifier: MIT
// examples/convert/convert.hpp - the converters behind tritlut-convert (docs/convert.md).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "formats/gguf.hpp"
#include "tokenizer/tokenizer.hpp"

namespace trex {

// Progress on stderr ("\r<label> 42% 512/1180 MB"), throttled to 5 updates/s; silent if disabled.
class progress {
 public:
  progress(std::string label, std::uint64_t total, bool enabled);
  void add(std::uint64_t n);
  void done();

 private:
  std::string label_;
  std::uint64_t total_, cur_ = 0;
  bool enabled_;
  double last_ = -1.0;
  void print(bool force);
};

// Shapes of a BitNet b1.58 model (arch bitnet-b1.58 graph: ReLU^2 gated FFN, sub-norms).
struct model_shape {
  std::string name;
  std::uint32_t hidden, ffn, layers, heads, kv_heads, head_dim;
  std::string arch = "bitnet-b1.58";  // or "qwen3"
  bool tied = true;                   // qwen3: false writes an output.weight
  std::uint32_t vocab = 128256;       // the synthetic vocabulary's size unless --vocab-size says
};
// Configs of MODELS.md §4 (125M ... 100B), "2b4t" (exact official 2B4T), plus "2.7B" (bitnet.cpp's
// dummy table), "tiny" (hidden 256, for fast tests) and the Qwen3 shapes of Ternary-Bonsai
// ("bonsai-1.7b", "bonsai-4b", "bonsai-8b": the Qwen3-1.7B/4B/8B config.json values) and
// "qwen3-tiny". Case-insensitive; nullptr if unknown.
const model_shape* find_dummy_config(const std::string& name);
std::vector<std::string> dummy_config_names();

// Synthetic byte-level BPE vocabulary of n tokens (n >= 262): 256 byte tokens, merges building
// lower-case letter strings (with and without a leading 'Ġ'), and special tokens at the end: for
// n >= 4096 the 256 Llama-3 specials (so n = 128256 has Llama-3's special ids), else 3
// (<|begin_of_text|>, <|end_of_text|>, <|eot_id|>). pre = llama-bpe.
vocab_data synthetic_vocab(std::size_t n);

// The bitnet.cpp-style placeholder chat template (contains "BITNET").
std::string bitnet_chat_template();

struct dummy_options {
  std::string config;
  std::string out;
  std::string format = "i2s";  // i2s | tq2_0
  std::uint64_t seed = 0;
  std::string vocab_file;      // optional .gguf (tokenizer.* keys copied) or tokenizer.json
  std::uint64_t vocab_size = 0;  // 0: 128256
  std::uint32_t ctx = 4096;
  bool show_progress = true;
};
void convert_dummy(const dummy_options& o);

// bitllama2.c ternary model + llama2.c tokenizer -> arch `bitnet` GGUF (MODELS.md §5.4).
void convert_llama2c(const std::string& model_bin, const std::string& tokenizer_bin, const std::string& out,
                     bool show_progress = true);
// Reads a llama2.c tokenizer.bin of n_vocab tokens as SentencePiece vocabulary metadata.
vocab_data llama2c_vocab(const std::string& tokenizer_bin, std::size_t n_vocab);

// Hugging Face BitNet checkpoint directory -> arch bitnet-b1.58 GGUF with I2_S weights.
void convert_hf(const std::string& dir, const std::string& out, bool show_progress = true);

// Lossless repack of ternary tensors between I2_S, TQ2_0 and TQ1_0 (other tensors copied).
void repack(const std::string& in, const std::string& out, ggml_type target, bool show_progress = true);

// RMSNorm epsilon written where the original model has none (bitllama2.c's inner norms): bitnet.cpp
// and ik_llama.cpp abort on eps <= 0 (GGML_ASSERT(eps > 0.0f) in rms_norm). Adding 1e-30 to a mean
// square m changes nothing when m > 1e-30 * 2^53 = 9e-15 (tritlut sums in double; float engines:
// m > 1.7e-23), so the file computes what eps = 0 computes. On TinyStories logits stay bit-identical
// up to eps = 1e-20 and change from 1e-18 (inner-norm mean squares go below 1e-2): a margin of 1e10.
// A normal float, so flush-to-zero modes keep it positive; bitnet.cpp ran it with identical text.
inline constexpr float k_tiny_rms_eps = 1e-30f;

// Engines besides tritlut that run a file of architecture `arch` whose ternary tensors are `format`
// (the table in docs/convert.md): "bitnet.cpp" (I2_S; arch bitnet, bitnet-25, bitnet-b1.58, llama)
// and "llama.cpp" (mainline: TQ1_0/TQ2_0; arch bitnet, llama). Empty when only tritlut does.
std::vector<std::string> peer_engines(const std::string& arch, ggml_type format);
// The warning repack and dummy print when they write TQ1_0/TQ2_0 (the formats mainline reads) for an
// architecture mainline cannot run; "" when there is nothing to say.
std::string peer_warning(const std::string& arch, ggml_type format);

}  // namespace trex
