// SPDX-License-Identifier: MIT
// tests/fuzz/make_seeds.cpp - writes small seed corpora for the fuzz targets:
// <dir>/gguf/*.gguf, <dir>/json/*.json, <dir>/text/*.txt, and for the file-based targets
// <dir>/model/*.gguf (tiny complete models), <dir>/llama2c/*.bin and <dir>/hf/*.bin (several
// files joined into one input, fuzz_parts.hpp). Each seed stays under the 4 KiB (model, llama2c)
// or 8 KiB (hf) -max_len that scripts/test.sh gives its target.
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include <tritlut/tritlut.hpp>

#include "convert/convert.hpp"
#include "common/file_checks.hpp"
#include "common/fp16.hpp"
#include "fuzz_parts.hpp"
#include "formats/gguf.hpp"
#include "tokenizer/hf_vocab.hpp"
#include "formats/quants.hpp"
#include "formats/safetensors.hpp"
#include "tokenizer/tokenizer.hpp"

namespace {
void put(const std::filesystem::path& p, const void* d, std::size_t n) {
  std::FILE* f = std::fopen(p.string().c_str(), "wb");
  if (!f) throw std::runtime_error("cannot write " + p.string());
  std::fwrite(d, 1, n, f);
  std::fclose(f);
}
void put(const std::filesystem::path& p, const std::string& s) { put(p, s.data(), s.size()); }

// The tiny shape every model seed uses: dim 16, 2 heads of 8 (1 KV head), FFN 32, 1 layer, 8
// tokens. Every I2_S matrix then has M*K a multiple of 128 with K % 128 != 0 (the repacked path).
constexpr std::uint32_t D = 16, F = 32, H = 2, KVH = 1, HD = D / H, KV = KVH * HD, V = 8;

std::vector<std::int8_t> ternary(std::size_t n, std::mt19937& rng) {
  std::vector<std::int8_t> w(n);
  for (auto& v : w) v = static_cast<std::int8_t>(static_cast<int>(rng() % 3) - 1);
  return w;
}
std::vector<std::uint8_t> f32_bytes(std::size_t n, std::mt19937& rng, float lo, float hi) {
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<std::uint8_t> b(n * 4);
  for (std::size_t i = 0; i < n; ++i) {
    const float x = d(rng);
    std::memcpy(&b[4 * i], &x, 4);
  }
  return b;
}

trex::vocab_data tiny_spm_vocab() {
  trex::vocab_data s;
  s.model = "llama";
  s.tokens = {"<unk>", "<s>", "</s>", "<0x41>", "\xE2\x96\x81", "a", ("\xE2\x96\x81" "a"), "b"};
  s.scores = {0, 0, 0, 0, -1, -2, -3, -4};
  s.types = {2, 3, 3, 6, 1, 1, 1, 1};
  s.bos = 1;
  s.eos = 2;
  s.add_bos = true;
  return s;
}

// A complete model of architecture `arch` (bitnet-b1.58, bitnet or llama) that tritlut-run loads.
std::vector<std::uint8_t> tiny_model(const std::string& arch, std::uint32_t seed) {
  using namespace trex;
  std::mt19937 rng(seed);
  const bool llama = arch == "llama";
  gguf_writer w;
  w.set_string("general.architecture", arch);
  w.set_u32(arch + ".context_length", 64);
  w.set_u32(arch + ".embedding_length", D);
  w.set_u32(arch + ".block_count", 1);
  w.set_u32(arch + ".feed_forward_length", F);
  w.set_u32(arch + ".rope.dimension_count", HD);
  w.set_u32(arch + ".attention.head_count", H);
  w.set_u32(arch + ".attention.head_count_kv", KVH);
  w.set_f32(arch + ".rope.freq_base", 10000.0f);
  w.set_f32(arch + ".attention.layer_norm_rms_epsilon", 1e-5f);
  tiny_spm_vocab().write_gguf(w);
  std::vector<std::vector<std::uint8_t>> data;
  auto f32 = [&](const std::string& name, std::vector<std::uint64_t> ne, float lo, float hi) {
    std::uint64_t n = 1;
    for (auto d : ne) n *= d;
    w.add_tensor(name, ggml_type::f32, ne);
    data.push_back(f32_bytes(static_cast<std::size_t>(n), rng, lo, hi));
  };
  auto i2s = [&](const std::string& name, std::uint32_t rows, std::uint32_t cols) {
    w.add_tensor(name, ggml_type::i2_s, {cols, rows});
    const auto t = ternary(std::size_t(rows) * cols, rng);
    std::vector<std::uint8_t> b(tritlut::i2s_file_bytes(rows, cols));
    tritlut::i2s_pack_file(t.data(), rows, cols, 0.5f, b.data());
    data.push_back(std::move(b));
  };
  f32("token_embd.weight", {D, V}, -1.0f, 1.0f);
  f32("output_norm.weight", {D}, 0.5f, 1.5f);
  if (llama) f32("output.weight", {D, V}, -1.0f, 1.0f);
  f32("blk.0.attn_norm.weight", {D}, 0.5f, 1.5f);
  i2s("blk.0.attn_q.weight", D, D);
  i2s("blk.0.attn_k.weight", KV, D);
  i2s("blk.0.attn_v.weight", KV, D);
  i2s("blk.0.attn_output.weight", D, D);
  if (!llama) f32("blk.0.attn_sub_norm.weight", {D}, 0.5f, 1.5f);
  f32("blk.0.ffn_norm.weight", {D}, 0.5f, 1.5f);
  i2s("blk.0.ffn_gate.weight", F, D);
  i2s("blk.0.ffn_up.weight", F, D);
  i2s("blk.0.ffn_down.weight", D, F);
  if (!llama) {
    f32("blk.0.ffn_down.scale", {1}, 0.5f, 1.5f);
    f32("blk.0.ffn_sub_norm.weight", {F}, 0.5f, 1.5f);
  }
  return w.to_bytes(data);
}

void put_u32(std::string& s, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) s += static_cast<char>((v >> (8 * i)) & 0xFF);
}
void put_f32(std::string& s, float f) {
  std::uint32_t v;
  std::memcpy(&v, &f, 4);
  put_u32(s, v);
}

// A bitllama2.c ternary model (MODELS.md 5: 256-byte header, final norm, embedding, then per matrix
// kind and layer an f32 scale and 2-bit codes, LSB first: 0 -> 0, 1 -> +1, 3 -> -1) of the tiny
// shape, and a llama2.c tokenizer.bin for its vocabulary.
std::string llama2c_model(std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::string b;
  put_u32(b, 0x616b3432u);  // magic
  put_u32(b, 1);            // version
  for (std::uint32_t v : {D, F, 1u, H, KVH, V, 16u}) put_u32(b, v);  // dim hidden layers heads kv vocab seq
  b += '\1';                                                          // shared classifier
  b.resize(256, '\0');
  for (std::uint32_t i = 0; i < D; ++i) put_f32(b, 1.0f);  // final norm
  std::uniform_real_distribution<float> d(-1.0f, 1.0f);
  for (std::uint32_t i = 0; i < V * D; ++i) put_f32(b, d(rng));  // embedding
  const std::uint32_t shapes[7][2] = {{D, D}, {KV, D}, {KV, D}, {D, D}, {F, D}, {D, F}, {F, D}};  // wq wk wv wo w1 w2 w3
  for (const auto& s : shapes) {
    put_f32(b, 0.5f);
    const std::uint8_t codes[3] = {0, 1, 3};
    for (std::uint32_t i = 0; i < s[0] * s[1] / 4; ++i) {
      unsigned byte = 0;
      for (int j = 0; j < 4; ++j) byte |= unsigned(codes[rng() % 3]) << (2 * j);
      b += static_cast<char>(byte);
    }
  }
  return b;
}
std::string llama2c_tokenizer() {
  std::string b;
  put_u32(b, 8);  // max token length
  const char* toks[V] = {"<unk>", "\n<s>\n", "\n</s>\n", "<0x41>", " ", "a", " a", "b"};
  for (std::uint32_t i = 0; i < V; ++i) {
    put_f32(b, -static_cast<float>(i));
    put_u32(b, static_cast<std::uint32_t>(std::strlen(toks[i])));
    b += toks[i];
  }
  return b;
}

// A Hugging Face checkpoint of the tiny shape: config.json, tokenizer.json, model.safetensors.
// packed: 2B4T style (relu2, U8 weights packed 4 per byte + weight_scale, BF16 elsewhere); else
// 1bitLLM style (silu, F16 master weights ternarized by the converter).
std::string hf_checkpoint(bool packed, const std::filesystem::path& tmp, std::uint32_t seed) {
  using namespace trex;
  std::mt19937 rng(seed);
  const std::string config = std::string("{\"hidden_size\": 16, \"intermediate_size\": 32, \"num_hidden_layers\": 1, "
                             "\"num_attention_heads\": 2, \"num_key_value_heads\": 1, \"max_position_embeddings\": 64, "
                             "\"hidden_act\": \"") + (packed ? "relu2" : "silu") +
                             "\", \"rope_theta\": 500000.0, \"rms_norm_eps\": 1e-05, \"tie_word_embeddings\": true}";
  const std::string tok =
      "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1, \"ab\": 2}, \"merges\": [\"a b\"]},"
      " \"pre_tokenizer\": {\"type\": \"ByteLevel\"}, \"added_tokens\": [{\"id\": 3, \"content\": \"<|eot_id|>\","
      " \"special\": true}]}";
  using tensor = std::tuple<std::string, std::string, std::vector<std::uint64_t>, std::vector<std::uint8_t>>;
  std::vector<tensor> ts;
  std::uniform_real_distribution<float> d(-1.0f, 1.0f);
  auto half = [&](const std::string& name, std::vector<std::uint64_t> shape, float lo, float hi) {
    std::uint64_t n = 1;
    for (auto x : shape) n *= x;
    std::uniform_real_distribution<float> dd(lo, hi);
    std::vector<std::uint8_t> b(static_cast<std::size_t>(n) * 2);
    for (std::size_t i = 0; i < n; ++i) {
      const float x = dd(rng);
      store_u16_le(b.data() + 2 * i, packed ? static_cast<std::uint16_t>(f32_bits(x) >> 16) : f32_to_f16(x));
    }
    ts.emplace_back(name, packed ? "BF16" : "F16", shape, std::move(b));
  };
  auto linear = [&](const std::string& name, std::uint64_t out, std::uint64_t in) {
    if (!packed) return half(name + ".weight", {out, in}, -1.0f, 1.0f);
    std::vector<std::uint8_t> b(static_cast<std::size_t>(out / 4 * in));
    for (auto& x : b) {
      unsigned byte = 0;
      for (int j = 0; j < 4; ++j) byte |= unsigned(rng() % 3) << (2 * j);  // codes 0..2 = -1, 0, +1
      x = static_cast<std::uint8_t>(byte);
    }
    ts.emplace_back(name + ".weight", "U8", std::vector<std::uint64_t>{out / 4, in}, std::move(b));
    half(name + ".weight_scale", {1}, 0.5f, 1.0f);
  };
  half("model.embed_tokens.weight", {V, D}, -1.0f, 1.0f);
  half("model.norm.weight", {D}, 0.5f, 1.5f);
  const std::string l = "model.layers.0.";
  half(l + "input_layernorm.weight", {D}, 0.5f, 1.5f);
  linear(l + "self_attn.q_proj", D, D);
  linear(l + "self_attn.k_proj", KV, D);
  linear(l + "self_attn.v_proj", KV, D);
  linear(l + "self_attn.o_proj", D, D);
  half(l + "self_attn.attn_sub_norm.weight", {D}, 0.5f, 1.5f);
  half(l + "post_attention_layernorm.weight", {D}, 0.5f, 1.5f);
  linear(l + "mlp.gate_proj", F, D);
  linear(l + "mlp.up_proj", F, D);
  linear(l + "mlp.down_proj", D, F);
  half(l + "mlp.ffn_sub_norm.weight", {F}, 0.5f, 1.5f);
  const std::filesystem::path st = tmp / "seed.safetensors";
  write_safetensors(st.string(), ts);
  const std::string bytes = read_file(st.string());
  std::filesystem::remove(st);
  return fuzz_parts::join_parts({config, tok, bytes});
}
}  // namespace

int main(int argc, char** argv) {
  using namespace trex;
  if (argc != 2) {
    std::fprintf(stderr, "usage: tritlut_fuzz_seeds DIR\n");
    return 2;
  }
  namespace fs = std::filesystem;
  const fs::path dir = argv[1];
  for (const char* sub : {"gguf", "json", "text", "model", "llama2c", "hf"}) fs::create_directories(dir / sub);
  {  // every tensor type and every metadata type
    gguf_writer w;
    w.set_string("general.architecture", "bitnet-b1.58");
    w.set_u8("a.u8", 1);
    w.set_i16("a.i16", -2);
    w.set_u64("a.u64", 3);
    w.set_f64("a.f64", 0.5);
    w.set_bool("a.bool", true);
    w.set_f32s("a.f32s", {1.0f, 2.0f});
    w.set_strings("a.strs", std::vector<std::string>{"x", "y"});
    const std::pair<ggml_type, std::uint64_t> types[] = {
        {ggml_type::f32, 8},     {ggml_type::f16, 8},     {ggml_type::bf16, 8},   {ggml_type::q8_0, 32},
        {ggml_type::q4_k, 256},  {ggml_type::q6_k, 256},  {ggml_type::tq1_0, 256}, {ggml_type::tq2_0, 256},
        {ggml_type::i2_s, 128}};
    std::vector<std::vector<std::uint8_t>> data;
    int i = 0;
    for (const auto& t : types) {
      const std::uint64_t nb = w.add_tensor("t" + std::to_string(i++), t.first, {t.second});
      data.emplace_back(static_cast<std::size_t>(nb), std::uint8_t(0x55));
    }
    const auto bytes = w.to_bytes(data);
    put(dir / "gguf" / "types.gguf", bytes.data(), bytes.size());
  }
  {  // a small SentencePiece vocabulary and a small BPE vocabulary
    vocab_data v = synthetic_vocab(300);
    gguf_writer w;
    v.write_gguf(w);
    const auto b = w.to_bytes();
    put(dir / "gguf" / "bpe_vocab.gguf", b.data(), b.size());
    vocab_data s;
    s.model = "llama";
    s.tokens = {"<unk>", "<s>", "</s>", "<0x41>", "\xE2\x96\x81", "a", ("\xE2\x96\x81" "a")};
    s.scores = {0, 0, 0, 0, -1, -2, -3};
    s.types = {2, 3, 3, 6, 1, 1, 1};
    s.bos = 1;
    s.eos = 2;
    gguf_writer w2;
    s.write_gguf(w2);
    const auto b2 = w2.to_bytes();
    put(dir / "gguf" / "spm_vocab.gguf", b2.data(), b2.size());
  }
  put(dir / "json" / "config.json",
      "{\"hidden_size\": 2560, \"rope_theta\": 500000.0, \"tie_word_embeddings\": true, \"x\": [1, -2.5e3, null]}");
  put(dir / "json" / "tokenizer.json",
      "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1, \"ab\": 2}, \"merges\": [\"a b\"]},"
      " \"pre_tokenizer\": {\"type\": \"ByteLevel\"}, \"added_tokens\": [{\"id\": 3, \"content\": \"<|eot_id|>\","
      " \"special\": true}]}");
  put(dir / "json" / "escapes.json", "[\"\\u00e9\\ud83e\\udd99\\n\\\"\", {\"k\": false}]");
  put(dir / "text" / "english.txt", "Hello world! I'm 12345 years old.\n\n  Tabs\tand  spaces   ");
  put(dir / "text" / "unicode.txt", "\xC3\xA9t\xC3\xA9 \xE4\xB8\xAD\xE6\x96\x87 \xF0\x9F\xA6\x99 \xD9\xA3\xD9\xA4 <|eot_id|>");
  put(dir / "text" / "invalid.txt", "\xFF\xFE\xC0\x80\xED\xA0\x80 abc \xE2\x96");
  std::uint32_t seed = 1;
  for (const char* arch : {"bitnet-b1.58", "bitnet", "llama"}) {
    const auto b = tiny_model(arch, seed++);
    put(dir / "model" / (std::string(arch) + ".gguf"), b.data(), b.size());
  }
  put(dir / "llama2c" / "stories.bin", fuzz_parts::join_parts({llama2c_model(seed++), llama2c_tokenizer()}));
  put(dir / "hf" / "packed_relu2.bin", hf_checkpoint(true, dir / "hf", seed++));
  put(dir / "hf" / "master_silu.bin", hf_checkpoint(false, dir / "hf", seed++));
  std::printf("seeds written to %s\n", dir.string().c_str());
  return 0;
}
