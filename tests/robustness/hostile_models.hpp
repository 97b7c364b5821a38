// SPDX-License-Identifier: MIT
// tests/robustness/hostile_models.hpp - hostile models and checkpoints built inside the tests of
// test_values.cpp and test_memory.cpp: a tiny dummy model rewritten key by key or tensor by
// tensor, a tiny Hugging Face checkpoint directory, a tiny bitllama2.c model + tokenizer.
#pragma once

#include <cstdint>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "common/fp16.hpp"
#include "formats/gguf.hpp"
#include "robust_util.hpp"
#include "formats/safetensors.hpp"

#if defined(__SANITIZE_ADDRESS__)
#define TRITLUT_ROBUST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TRITLUT_ROBUST_ASAN 1
#endif
#endif

namespace robust16b {

using namespace trex;

using robust::convert_exe;
using robust::run_exe;

// Address-space cap for a child where the old code ran away (GBs): a failing run ends in
// std::bad_alloc instead of eating the machine. ASan reserves terabytes of address space up
// front, so no cap there (the peak-RSS bound still holds the line).
inline long as_cap_mb() {
#ifdef TRITLUT_ROBUST_ASAN
  return 0;
#else
  return 3072;
#endif
}

inline bool contains(const std::string& s, const std::string& sub) { return s.find(sub) != std::string::npos; }

// tiny dummy model (hidden 256, 2 layers, 300-token synthetic vocabulary, F16 embedding, I2_S).
inline std::string tiny_model(const std::string& dir) {
  const std::string out = dir + "/tiny.gguf";
  const auto r = robust::run_child(
      {convert_exe(), "dummy", "--config", "tiny", "--vocab-size", "300", "--seed", "7", "--ctx", "256", "-o", out, "--quiet"});
  if (!r.exited(0)) throw std::runtime_error("dummy conversion failed: " + r.describe());
  return out;
}

struct tensor_edit {
  ggml_type type;
  std::vector<std::uint64_t> ne;
  std::vector<std::uint8_t> bytes;
};

// Copies `in` to `out`: every metadata value (then kv(w) may set or remove keys) and every tensor
// (tensor(name, t) may change its type, shape and bytes).
inline void rewrite_gguf(const std::string& in, const std::string& out, const std::function<void(gguf_writer&)>& kv,
                         const std::function<void(const std::string&, tensor_edit&)>& tensor = {}) {
  std::vector<std::pair<std::string, tensor_edit>> ts;
  {
    const gguf_reader r = gguf_reader::open(in);
    gguf_writer w;
    for (const auto& m : r.metadata()) w.set_value(m.first, m.second);
    if (kv) kv(w);
    for (const gguf_tensor& t : r.tensors()) {
      tensor_edit e{t.type, t.shape(), std::vector<std::uint8_t>(t.data, t.data + t.nbytes)};
      if (tensor) tensor(std::string(t.name), e);
      w.add_tensor(std::string(t.name), e.type, e.ne);
      ts.emplace_back(std::string(t.name), std::move(e));
    }
    w.open(out);
    for (const auto& t : ts) w.write(t.second.bytes.data(), t.second.bytes.size());
    w.close();
  }
}

inline float f32_at(const std::vector<std::uint8_t>& b, std::size_t i) { return load_f32_le(b.data() + 4 * i); }
inline void set_f32(std::vector<std::uint8_t>& b, std::size_t i, float v) { store_u32_le(b.data() + 4 * i, f32_bits(v)); }
inline void set_f16(std::vector<std::uint8_t>& b, std::size_t i, std::uint16_t h) { store_u16_le(b.data() + 2 * i, h); }
// The f32 scale of an I2_S tensor of n weights sits right after its n/4 code bytes.
inline void set_i2s_scale(tensor_edit& t, float v) {
  std::uint64_t n = 1;
  for (auto d : t.ne) n *= d;
  store_u32_le(t.bytes.data() + n / 4, f32_bits(v));
}

// ---------------------------------------------------------------------------------------------
// A tiny Hugging Face BitNet checkpoint: config.json, a 16-token byte-level BPE tokenizer.json,
// F32 master weights (hidden 128, ffn 256, 2 heads / 1 kv head, `layers` layers, vocab 16).

struct hf_options {
  std::string extra_config;  // appended to config.json's object, e.g. ", \"rms_norm_eps\": -1"
  std::uint32_t layers = 1, config_layers = 1;
  // Called on every tensor's f32 values before it is written (name, values).
  std::function<void(const std::string&, std::vector<float>&)> edit;
};

inline void write_text(const std::string& path, const std::string& s) { robust::write_file(path, s); }

inline std::string hf_checkpoint(const std::string& dir, const hf_options& o) {
  const std::string d = dir + "/hf";
  if (std::system(("rm -rf '" + d + "' && mkdir -p '" + d + "'").c_str()) != 0) throw std::runtime_error("mkdir " + d);
  const std::uint64_t H = 128, F = 256, V = 16, KV = 64;
  write_text(d + "/config.json",
             "{\"hidden_act\": \"relu2\", \"hidden_size\": 128, \"intermediate_size\": 256, \"num_hidden_layers\": " +
                 std::to_string(o.config_layers) +
                 ", \"num_attention_heads\": 2, \"num_key_value_heads\": 1, \"max_position_embeddings\": 64,"
                 " \"tie_word_embeddings\": true" +
                 o.extra_config + "}");
  std::string vocab;
  for (int i = 0; i < 16; ++i) vocab += std::string(i ? "," : "") + "\"" + char('a' + i) + "\":" + std::to_string(i);
  write_text(d + "/tokenizer.json", "{\"model\": {\"type\": \"BPE\", \"vocab\": {" + vocab +
                                        "}, \"merges\": []}, \"pre_tokenizer\": {\"type\": \"ByteLevel\"},"
                                        " \"decoder\": {\"type\": \"ByteLevel\"}}");
  using T = std::tuple<std::string, std::string, std::vector<std::uint64_t>, std::vector<std::uint8_t>>;
  std::vector<T> ts;
  std::mt19937 rng(16);
  auto add = [&](const std::string& name, std::vector<std::uint64_t> shape, float lo, float hi) {
    std::uint64_t n = 1;
    for (auto x : shape) n *= x;
    std::vector<float> v(n);
    std::uniform_real_distribution<float> u(lo, hi);
    for (auto& x : v) x = u(rng);
    if (o.edit) o.edit(name, v);
    std::vector<std::uint8_t> b(n * 4);
    for (std::size_t i = 0; i < n; ++i) store_u32_le(b.data() + 4 * i, f32_bits(v[i]));
    ts.push_back(T{name, "F32", shape, std::move(b)});
  };
  add("model.embed_tokens.weight", {V, H}, -0.1f, 0.1f);
  add("model.norm.weight", {H}, 0.9f, 1.1f);
  for (std::uint32_t l = 0; l < o.layers; ++l) {
    const std::string h = "model.layers." + std::to_string(l) + ".";
    add(h + "input_layernorm.weight", {H}, 0.9f, 1.1f);
    add(h + "post_attention_layernorm.weight", {H}, 0.9f, 1.1f);
    add(h + "self_attn.attn_sub_norm.weight", {H}, 0.9f, 1.1f);
    add(h + "mlp.ffn_sub_norm.weight", {F}, 0.9f, 1.1f);
    add(h + "self_attn.q_proj.weight", {H, H}, -0.3f, 0.3f);
    add(h + "self_attn.k_proj.weight", {KV, H}, -0.3f, 0.3f);
    add(h + "self_attn.v_proj.weight", {KV, H}, -0.3f, 0.3f);
    add(h + "self_attn.o_proj.weight", {H, H}, -0.3f, 0.3f);
    add(h + "mlp.gate_proj.weight", {F, H}, -0.3f, 0.3f);
    add(h + "mlp.up_proj.weight", {F, H}, -0.3f, 0.3f);
    add(h + "mlp.down_proj.weight", {H, F}, -0.3f, 0.3f);
  }
  write_safetensors(d + "/model.safetensors", ts);
  return d;
}

// ---------------------------------------------------------------------------------------------
// A tiny bitllama2.c model (MODELS.md §5: 256-byte header, final norm, embedding, then per matrix
// kind and layer an f32 scale and 2-bit codes) and its llama2.c tokenizer.

struct llama2c_files {
  std::string model, tokenizer;
};

inline llama2c_files llama2c_model(const std::string& dir,
                                   const std::function<void(std::vector<std::uint8_t>&)>& edit = {}) {
  const std::int32_t dim = 128, hidden = 256, layers = 1, heads = 2, kv = 2, vocab = 32, seq = 64;
  std::vector<std::uint8_t> b(256, 0);
  store_u32_le(b.data(), 0x616b3432u);
  store_u32_le(b.data() + 4, 1);
  const std::int32_t h[7] = {dim, hidden, layers, heads, kv, vocab, seq};
  for (int i = 0; i < 7; ++i) store_u32_le(b.data() + 8 + 4 * i, static_cast<std::uint32_t>(h[i]));
  b[36] = 1;  // shared classifier
  std::mt19937 rng(3);
  auto put_f32 = [&](float v) {
    const std::size_t o = b.size();
    b.resize(o + 4);
    store_u32_le(b.data() + o, f32_bits(v));
  };
  for (int i = 0; i < dim; ++i) put_f32(1.0f);                                                 // final norm
  for (int i = 0; i < vocab * dim; ++i) put_f32(static_cast<float>(int(rng() % 201) - 100) / 1000.0f);  // embedding
  const std::int64_t sizes[7][2] = {{dim, dim}, {dim, dim}, {dim, dim}, {dim, dim}, {hidden, dim}, {dim, hidden}, {hidden, dim}};
  for (const auto& m : sizes)
    for (int l = 0; l < layers; ++l) {
      put_f32(0.5f);
      for (std::int64_t i = 0; i < m[0] * m[1] / 4; ++i) b.push_back(static_cast<std::uint8_t>(rng() & 0x55));  // codes 0/1
    }
  if (edit) edit(b);
  llama2c_files f{dir + "/model.bin", dir + "/tokenizer.bin"};
  robust::write_file(f.model, std::string(b.begin(), b.end()));
  std::vector<std::uint8_t> t(4, 0);
  store_u32_le(t.data(), 8);
  auto tok = [&](const std::string& s, float score) {
    const std::size_t o = t.size();
    t.resize(o + 8);
    store_u32_le(t.data() + o, f32_bits(score));
    store_u32_le(t.data() + o + 4, static_cast<std::uint32_t>(s.size()));
    t.insert(t.end(), s.begin(), s.end());
  };
  tok("<unk>", 0.0f);
  tok("\n<s>\n", 0.0f);
  tok("\n</s>\n", 0.0f);
  for (int i = 3; i < vocab; ++i) tok(std::string(1, static_cast<char>('a' + (i - 3) % 26)) + (i >= 29 ? "x" : ""), -float(i));
  robust::write_file(f.tokenizer, std::string(t.begin(), t.end()));
  return f;
}

}  // namespace robust16b
