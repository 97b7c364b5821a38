// SPDX-License-Identifier: MIT
// tests/examples/engine/tiny_models.hpp - tiny random models of each architecture for the forward-pass tests:
// bitnet-b1.58 from the dummy converter; bitnet (SiLU, with a `.scale` tensor and K = 320, not a
// multiple of 128), llama (NORM RoPE, no sub-norms, untied F16 output) and qwen3 (QK norms, head
// size 128 from key_length while embedding_length / head_count = 64, untied F16 output) written here.
#pragma once

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include <tritlut/tritlut.hpp>

#include "convert/convert.hpp"
#include "convert/internal.hpp"
#include "common/fp16.hpp"
#include "formats/gguf.hpp"
#include "support/files.hpp"

namespace tt {

// Per-process file names, removed when the process exits (support/files.hpp).
inline std::string tiny_path(const std::string& name) {
  return remove_at_exit("tmp_run_test_" + name + "_" + std::to_string(::getpid()) + ".gguf");
}

// arch: "bitnet", "llama" or "qwen3". dim 256, ffn 320, 2 layers, 4 heads / 2 KV heads, vocab 300.
// embd: the token embedding's type (F32 for llama and F16 for bitnet by default; Q8_0 is written
// here too, so a bitnet model can have a tied quantized embedding).
inline void write_tiny_model(const std::string& arch, const std::string& out, std::uint64_t seed,
                        std::optional<trex::ggml_type> embd_type = std::nullopt) {
  using namespace trex;
  const bool qwen3 = arch == "qwen3", llama = arch == "llama" || qwen3;  // llama: no sub-norms, untied
  const std::uint32_t D = 256, F = 320, L = 2, H = 4, KVH = 2, HD = qwen3 ? 128 : D / H, Q = H * HD, KV = KVH * HD;
  const vocab_data vocab = synthetic_vocab(300);
  const std::uint64_t V = vocab.tokens.size();
  gguf_writer w;
  w.set_string("general.architecture", arch);
  w.set_string("general.name", "tiny-" + arch);
  w.set_u32(arch + ".vocab_size", static_cast<std::uint32_t>(V));
  w.set_u32(arch + ".context_length", 256);
  w.set_u32(arch + ".embedding_length", D);
  w.set_u32(arch + ".block_count", L);
  w.set_u32(arch + ".feed_forward_length", F);
  w.set_u32(arch + ".rope.dimension_count", HD);
  w.set_u32(arch + ".attention.head_count", H);
  w.set_u32(arch + ".attention.head_count_kv", KVH);
  w.set_f32(arch + ".rope.freq_base", qwen3 ? 1000000.0f : 10000.0f);
  w.set_f32(arch + ".attention.layer_norm_rms_epsilon", qwen3 ? 1e-6f : 1e-5f);
  if (qwen3) {
    w.set_u32(arch + ".attention.key_length", HD);
    w.set_u32(arch + ".attention.value_length", HD);
  }
  vocab.write_gguf(w);

  struct t {
    std::string name;
    ggml_type type;
    std::vector<std::uint64_t> ne;
  };
  const ggml_type embd = embd_type.value_or(llama ? ggml_type::f32 : ggml_type::f16);
  std::vector<t> ts = {{"token_embd.weight", embd, {D, V}},
                       {"output_norm.weight", ggml_type::f32, {D}}};
  if (llama) ts.push_back({"output.weight", ggml_type::f16, {D, V}});
  for (std::uint32_t l = 0; l < L; ++l) {
    const std::string b = "blk." + std::to_string(l) + ".";
    ts.push_back({b + "attn_norm.weight", ggml_type::f32, {D}});
    ts.push_back({b + "attn_q.weight", ggml_type::i2_s, {D, Q}});
    ts.push_back({b + "attn_k.weight", ggml_type::i2_s, {D, KV}});
    ts.push_back({b + "attn_v.weight", ggml_type::i2_s, {D, KV}});
    if (qwen3) {
      ts.push_back({b + "attn_q_norm.weight", ggml_type::f32, {HD}});
      ts.push_back({b + "attn_k_norm.weight", ggml_type::f32, {HD}});
    }
    ts.push_back({b + "attn_output.weight", ggml_type::i2_s, {Q, D}});
    if (!llama) ts.push_back({b + "attn_sub_norm.weight", ggml_type::f32, {Q}});
    ts.push_back({b + "ffn_norm.weight", ggml_type::f32, {D}});
    ts.push_back({b + "ffn_gate.weight", ggml_type::i2_s, {D, F}});
    ts.push_back({b + "ffn_up.weight", ggml_type::i2_s, {D, F}});
    ts.push_back({b + "ffn_down.weight", ggml_type::i2_s, {F, D}});
    if (!llama) {
      ts.push_back({b + "ffn_down.scale", ggml_type::f32, {1}});
      ts.push_back({b + "ffn_sub_norm.weight", ggml_type::f32, {F}});
    }
  }
  for (const auto& x : ts) w.add_tensor(x.name, x.type, x.ne);
  w.open(out);
  detail::rng r(seed);
  for (const auto& x : ts) {
    std::uint64_t n = 1;
    for (auto d : x.ne) n *= d;
    std::vector<std::uint8_t> bytes;
    if (x.type == ggml_type::i2_s) {
      std::vector<std::int8_t> wt(n);
      for (auto& v : wt) v = static_cast<std::int8_t>(static_cast<int>(r.next() % 3) - 1);
      // Small scales keep attention scores O(1): a random model with sharp softmaxes is chaotic, and
      // a rare int8 rounding flip (FORMATS.md §1 ties) would then change later tokens.
      const float alpha = static_cast<float>(0.02 + 0.06 * r.uniform());
      bytes.resize(tritlut::i2s_file_bytes(x.ne[1], x.ne[0]));
      tritlut::i2s_pack_file(wt.data(), x.ne[1], x.ne[0], alpha, bytes.data());
    } else if (x.type == ggml_type::q8_0) {  // blocks of 32: f16 scale amax/127, int8 round(v / d)
      bytes.resize(n / 32 * 34);
      for (std::uint64_t b = 0; b < n / 32; ++b) {
        float v[32], amax = 0;
        for (float& e : v) {
          e = static_cast<float>(2.0 * r.uniform() - 1.0);
          amax = std::max(amax, std::fabs(e));
        }
        const std::uint16_t dh = f32_to_f16(amax / 127.0f);
        const float d = f16_to_f32(dh);
        store_u16_le(bytes.data() + 34 * b, dh);
        for (int i = 0; i < 32; ++i)
          bytes[34 * b + 2 + i] = static_cast<std::uint8_t>(static_cast<std::int8_t>(
              std::clamp(std::lround(v[i] / d), -127L, 127L)));
      }
    } else {
      const bool is_norm = x.name.find("norm") != std::string::npos, is_scale = x.name.find(".scale") != std::string::npos;
      const std::size_t es = x.type == ggml_type::f16 ? 2 : 4;
      bytes.resize(n * es);
      for (std::uint64_t i = 0; i < n; ++i) {
        // norms near 1; embedding / output uniform in [-1, 1); scale 0.75
        const float v = is_scale ? 0.75f
                        : is_norm ? static_cast<float>(0.8 + 0.4 * r.uniform())
                                  : static_cast<float>(2.0 * r.uniform() - 1.0);
        if (es == 2) store_u16_le(bytes.data() + 2 * i, f32_to_f16(v));
        else store_u32_le(bytes.data() + 4 * i, f32_bits(v));
      }
    }
    w.write(bytes.data(), bytes.size());
  }
  w.close();
}

// bitnet-b1.58 via the dummy converter ("tiny" config: 256/768, 2 layers, 4/2 heads), vocab 300.
inline void write_tiny_b158(const std::string& out, std::uint64_t seed) {
  trex::dummy_options o;
  o.config = "tiny";
  o.out = out;
  o.seed = seed;
  o.vocab_size = 300;
  o.ctx = 256;
  o.show_progress = false;
  trex::convert_dummy(o);
}

}  // namespace tt
