// SPDX-License-Identifier: MIT
// tests/examples/robustness/models.hpp - the models and checkpoints the robustness tests build:
// a tiny dummy model (rewritten key by key or tensor by tensor into a hostile one), tiny Hugging Face
// checkpoint directories and tiny bitllama2.c models + tokenizers (the ones of test_values.cpp and
// test_memory.cpp take edits; the small fixed ones of test_files.cpp and test_signals.cpp need none).
#pragma once

#include <cstdint>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "child.hpp"
#include "common/fp16.hpp"
#include "formats/gguf.hpp"
#include "formats/safetensors.hpp"
#include "support/files.hpp"

#if defined(__SANITIZE_ADDRESS__)
#define TRITLUT_ROBUST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TRITLUT_ROBUST_ASAN 1
#endif
#endif

namespace tt {

// Address-space cap for a child where the old code ran away (GBs): a failing run ends in
// std::bad_alloc instead of eating the machine. ASan reserves terabytes of address space up
// front, so no cap there (the peak-RSS bound still holds the line).
#ifdef TRITLUT_ROBUST_ASAN
inline constexpr bool robust_asan = true;
#else
inline constexpr bool robust_asan = false;
#endif
inline long as_cap_mb() { return robust_asan ? 0 : 3072; }

inline bool contains(const std::string& s, const std::string& sub) { return s.find(sub) != std::string::npos; }

// A small random BitNet b1.58 model from the dummy converter (config tiny: hidden 256, 2 layers,
// I2_S, F16 embedding), `extra` options added.
inline void make_tiny(const std::string& path, const std::string& seed = "1", const std::string& vocab_size = "1000",
                      const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args = {convert_exe(), "dummy", "--config", "tiny", "--vocab-size", vocab_size,
                                   "--seed", seed, "-o", path, "--quiet"};
  args.insert(args.end(), extra.begin(), extra.end());
  const child_result r = run_child(args);
  if (!r.exited(0)) throw std::runtime_error("making " + path + " failed: " + r.describe());
}

// The tiny model of test_values.cpp and test_memory.cpp: a 300-token synthetic vocabulary, context 256.
inline std::string tiny_model(const std::string& dir) {
  const std::string out = dir + "/tiny.gguf";
  make_tiny(out, "7", "300", {"--ctx", "256"});
  return out;
}

struct tensor_edit {
  trex::ggml_type type;
  std::vector<std::uint64_t> ne;
  std::vector<std::uint8_t> bytes;
};

// Copies `in` to `out`: every metadata value (then kv(w) may set or remove keys) and every tensor
// (tensor(name, t) may change its type, shape and bytes).
inline void rewrite_gguf(const std::string& in, const std::string& out,
                         const std::function<void(trex::gguf_writer&)>& kv,
                         const std::function<void(const std::string&, tensor_edit&)>& tensor = {}) {
  std::vector<std::pair<std::string, tensor_edit>> ts;
  {
    const trex::gguf_reader r = trex::gguf_reader::open(in);
    trex::gguf_writer w;
    for (const auto& m : r.metadata()) w.set_value(m.first, m.second);
    if (kv) kv(w);
    for (const trex::gguf_tensor& t : r.tensors()) {
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

inline float f32_at(const std::vector<std::uint8_t>& b, std::size_t i) { return trex::load_f32_le(b.data() + 4 * i); }
inline void set_f32(std::vector<std::uint8_t>& b, std::size_t i, float v) {
  trex::store_u32_le(b.data() + 4 * i, trex::f32_bits(v));
}
inline void set_f16(std::vector<std::uint8_t>& b, std::size_t i, std::uint16_t h) {
  trex::store_u16_le(b.data() + 2 * i, h);
}
// The f32 scale of an I2_S tensor of n weights sits right after its n/4 code bytes.
inline void set_i2s_scale(tensor_edit& t, float v) {
  std::uint64_t n = 1;
  for (auto d : t.ne) n *= d;
  trex::store_u32_le(t.bytes.data() + n / 4, trex::f32_bits(v));
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

inline void write_text(const std::string& path, const std::string& s) { write_file(path, s); }

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
    for (std::size_t i = 0; i < n; ++i) trex::store_u32_le(b.data() + 4 * i, trex::f32_bits(v[i]));
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
  trex::write_safetensors(d + "/model.safetensors", ts);
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
  trex::store_u32_le(b.data(), 0x616b3432u);
  trex::store_u32_le(b.data() + 4, 1);
  const std::int32_t h[7] = {dim, hidden, layers, heads, kv, vocab, seq};
  for (int i = 0; i < 7; ++i) trex::store_u32_le(b.data() + 8 + 4 * i, static_cast<std::uint32_t>(h[i]));
  b[36] = 1;  // shared classifier
  std::mt19937 rng(3);
  auto put_f32 = [&](float v) {
    const std::size_t o = b.size();
    b.resize(o + 4);
    trex::store_u32_le(b.data() + o, trex::f32_bits(v));
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
  write_file(f.model, std::string(b.begin(), b.end()));
  std::vector<std::uint8_t> t(4, 0);
  trex::store_u32_le(t.data(), 8);
  auto tok = [&](const std::string& s, float score) {
    const std::size_t o = t.size();
    t.resize(o + 8);
    trex::store_u32_le(t.data() + o, trex::f32_bits(score));
    trex::store_u32_le(t.data() + o + 4, static_cast<std::uint32_t>(s.size()));
    t.insert(t.end(), s.begin(), s.end());
  };
  tok("<unk>", 0.0f);
  tok("\n<s>\n", 0.0f);
  tok("\n</s>\n", 0.0f);
  for (int i = 3; i < vocab; ++i) tok(std::string(1, static_cast<char>('a' + (i - 3) % 26)) + (i >= 29 ? "x" : ""), -float(i));
  write_file(f.tokenizer, std::string(t.begin(), t.end()));
  return f;
}

// ---------------------------------------------------------------------------------------------
// Fixed small inputs of the file and signal tests (test_files.cpp, test_signals.cpp).

inline void append_u32(std::string& s, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) s.push_back(static_cast<char>(v >> (8 * i)));
}
inline void append_f32(std::string& s, float f) {
  std::uint32_t v;
  std::memcpy(&v, &f, 4);
  append_u32(s, v);
}

// A fixed bitllama2.c ternary checkpoint (dim 64, hidden 128, 1 layer, 2 heads, vocab 8, seq 32; the
// layout of MODELS.md §5.1) and its llama2.c tokenizer.bin.
inline void make_llama2c(const std::string& model, const std::string& tokenizer) {
  const std::uint32_t dim = 64, hidden = 128, layers = 1, heads = 2, kv = 2, vocab = 8, seq = 32;
  std::string b;
  append_u32(b, 0x616b3432u);
  append_u32(b, 1);
  for (std::uint32_t v : {dim, hidden, layers, heads, kv, vocab, seq}) append_u32(b, v);
  b.push_back(1);  // shared classifier
  b.resize(256, '\0');
  for (std::uint32_t i = 0; i < dim; ++i) append_f32(b, 1.0f);                      // final norm
  for (std::uint32_t i = 0; i < vocab * dim; ++i) append_f32(b, 0.01f * float(i % 7));  // embedding
  const std::uint32_t mats[7][2] = {{dim, dim}, {dim, dim}, {dim, dim}, {dim, dim}, {hidden, dim}, {dim, hidden}, {hidden, dim}};
  for (const auto& m : mats) {
    append_f32(b, 0.5f);  // alpha
    const unsigned char codes[3] = {0x00, 0x55, 0xff};  // weights 0, +1, -1 (code 2 is invalid)
    for (std::uint32_t i = 0; i < m[0] * m[1] / 4; ++i) b.push_back(static_cast<char>(codes[i % 3]));
  }
  write_file(model, b);
  std::string t;
  append_u32(t, 8);
  const char* toks[8] = {"<unk>", "\n<s>\n", "\n</s>\n", " a", " b", "c", "d", "e"};
  for (const char* s : toks) {
    append_f32(t, 0.0f);
    append_u32(t, static_cast<std::uint32_t>(std::strlen(s)));
    t += s;
  }
  write_file(tokenizer, t);
}

// A fixed Hugging Face BitNet checkpoint directory (config.json, tokenizer.json, model.safetensors with
// F32 master weights): hidden 128, ffn 256, 1 layer, 2 heads, 8 tokens.
inline void make_hf(const std::string& dir) {
  const std::uint64_t H = 128, F = 256, V = 8;
  write_file(dir + "/config.json",
                     "{\"architectures\": [\"BitNetForCausalLM\"], \"hidden_act\": \"relu2\", \"hidden_size\": 128,"
                     " \"intermediate_size\": 256, \"num_hidden_layers\": 1, \"num_attention_heads\": 2,"
                     " \"num_key_value_heads\": 2, \"max_position_embeddings\": 64, \"rms_norm_eps\": 1e-05,"
                     " \"tie_word_embeddings\": true, \"vocab_size\": 8}\n");
  write_file(dir + "/tokenizer.json",
                     "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1, \"c\": 2, \"d\": 3, \"e\": 4, \"f\": 5,"
                     " \"g\": 6, \"<|endoftext|>\": 7}, \"merges\": []}, \"pre_tokenizer\": {\"type\": \"ByteLevel\"},"
                     " \"decoder\": {\"type\": \"ByteLevel\"}}\n");
  struct t {
    std::string name;
    std::vector<std::uint64_t> shape;
  };
  std::vector<t> ts = {{"model.embed_tokens.weight", {V, H}}, {"model.norm.weight", {H}}};
  const std::string l = "model.layers.0.";
  for (const char* n : {"input_layernorm", "post_attention_layernorm", "self_attn.attn_sub_norm"})
    ts.push_back({l + n + ".weight", {H}});
  ts.push_back({l + "mlp.ffn_sub_norm.weight", {F}});
  for (const char* n : {"q_proj", "k_proj", "v_proj", "o_proj"}) ts.push_back({l + "self_attn." + n + ".weight", {H, H}});
  ts.push_back({l + "mlp.gate_proj.weight", {F, H}});
  ts.push_back({l + "mlp.up_proj.weight", {F, H}});
  ts.push_back({l + "mlp.down_proj.weight", {H, F}});
  std::string header = "{", data;
  for (const t& x : ts) {
    std::uint64_t n = 1;
    for (std::uint64_t d : x.shape) n *= d;
    const std::size_t off = data.size();
    for (std::uint64_t i = 0; i < n; ++i) append_f32(data, 0.25f * float(int(i % 5) - 2));
    if (header.size() > 1) header += ",";
    header += "\"" + x.name + "\":{\"dtype\":\"F32\",\"shape\":[";
    for (std::size_t i = 0; i < x.shape.size(); ++i) header += (i ? "," : "") + std::to_string(x.shape[i]);
    header += "],\"data_offsets\":[" + std::to_string(off) + "," + std::to_string(data.size()) + "]}";
  }
  header += "}";
  while (header.size() % 8) header += ' ';
  std::string file;
  append_u32(file, static_cast<std::uint32_t>(header.size()));
  append_u32(file, 0);
  write_file(dir + "/model.safetensors", file + header + data);
}

}  // namespace tt
