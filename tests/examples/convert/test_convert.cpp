// SPDX-License-Identifier: MIT
// tests/examples/convert/test_convert.cpp - converters: dummy (tiny + 2B4T shape), llama2c-bitnet, hf, repack.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>
#include <random>
#include <tuple>

#include "catch.hpp"
#include "convert/convert.hpp"
#include "common/fp16.hpp"
#include "formats/gguf.hpp"
#include "formats/quants.hpp"
#include "formats/safetensors.hpp"
#include "common/file_checks.hpp"
#include "tokenizer/hf_vocab.hpp"
#include "support/files.hpp"
#include "tokenizer/tokenizer.hpp"

using namespace trex;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

TEST_CASE("dummy: tiny model, I2_S and TQ2_0 of one seed hold the same weights", "[convert]") {
  dummy_options o;
  o.config = "TINY";
  o.vocab_size = 600;
  o.seed = 5;
  o.show_progress = false;
  o.out = tt::tmp_path("dummy_tiny_i2s.gguf");
  convert_dummy(o);
  o.format = "tq2_0";
  o.out = tt::tmp_path("dummy_tiny_tq2.gguf");
  convert_dummy(o);
  const gguf_reader a = gguf_reader::open(tt::tmp_path("dummy_tiny_i2s.gguf"));
  const gguf_reader b = gguf_reader::open(tt::tmp_path("dummy_tiny_tq2.gguf"));
  CHECK(a.architecture() == "bitnet-b1.58");
  CHECK(a.get_u32("bitnet-b1.58.vocab_size", 0) == 600);
  CHECK(a.get_u32("general.file_type", 0) == 40);
  CHECK(b.get_u32("general.file_type", 0) == 37);
  REQUIRE(a.tensors().size() == 2 + 2 * 11);
  CHECK(a.tensor("token_embd.weight").shape() == std::vector<std::uint64_t>{256, 600});
  CHECK(a.tensor("blk.1.attn_k.weight").shape() == std::vector<std::uint64_t>{256, 128});
  CHECK(a.tensor("blk.1.ffn_down.weight").shape() == std::vector<std::uint64_t>{768, 256});
  for (const auto& t : a.tensors()) {
    if (!is_ternary(t.type)) continue;
    const ternary_tensor x = load_ternary(t);
    const ternary_tensor y = load_ternary(b.tensor(t.name));
    CHECK(x.w == y.w);
    CHECK(x.alpha == y.alpha);
    CHECK(x.alpha > 0.5f);
    int counts[3] = {0, 0, 0};
    for (auto v : x.w) counts[v + 1]++;
    const double n = double(x.w.size());
    for (int c : counts) CHECK(std::fabs(c / n - 1.0 / 3.0) < 0.02);  // uniform ternary
    // padding of I2_S is zero (FORMATS.md §3.3)
    for (std::size_t i = t.nbytes - 28; i < t.nbytes; ++i) REQUIRE(t.data[i] == 0);
  }
  const std::vector<float> norm = dequantize_tensor(a.tensor("blk.0.ffn_norm.weight"));
  for (float v : norm) CHECK(std::fabs(v - 1.0f) <= 0.05f);
  const std::vector<float> emb = dequantize_tensor(a.tensor("token_embd.weight"));
  double s2 = 0;
  for (float v : emb) s2 += double(v) * v;
  CHECK(std::sqrt(s2 / emb.size()) == Approx(0.02).epsilon(0.1));
  // the synthetic vocabulary works as a tokenizer
  const tokenizer tok = tokenizer::from_gguf(a);
  CHECK(tok.vocab_size() == 600);
  CHECK(tok.token_text(tok.bos()) == "<|begin_of_text|>");
  const std::string text = "hello world, the quick brown fox!";
  const auto ids = tok.encode(text, true);
  CHECK(ids.front() == tok.bos());
  CHECK(ids.size() < text.size());
  CHECK(tok.decode(ids) == text);
  // the same seed reproduces the file bit-exactly, another seed does not
  o.format = "i2s";
  o.out = tt::tmp_path("dummy_tiny_i2s_again.gguf");
  convert_dummy(o);
  CHECK(tt::read_bytes(o.out) == tt::read_bytes(tt::tmp_path("dummy_tiny_i2s.gguf")));
  o.seed = 6;
  convert_dummy(o);
  CHECK(tt::read_bytes(o.out) != tt::read_bytes(tt::tmp_path("dummy_tiny_i2s.gguf")));
}

TEST_CASE("dummy: vocabulary from a vocab GGUF and errors", "[convert][shared]") {
  dummy_options o;
  o.config = "tiny";
  o.show_progress = false;
  o.vocab_file = tt::shared("data/vocab/ggml-vocab-llama-spm.gguf");
  o.out = tt::tmp_path("dummy_spm.gguf");
  convert_dummy(o);
  const gguf_reader r = gguf_reader::open(o.out);
  CHECK(r.get_u32("bitnet-b1.58.vocab_size", 0) == 32000);
  CHECK(r.tensor("token_embd.weight").shape() == std::vector<std::uint64_t>{256, 32000});
  const tokenizer tok = tokenizer::from_gguf(r);
  CHECK(tok.encode("Hello world") == std::vector<std::int32_t>{15043, 3186});  // MODELS.md §6.5
  o.config = "125m";
  o.vocab_file.clear();
  o.vocab_size = 100;
  CHECK_THROWS_WITH(convert_dummy(o), Contains("at least 262"));
  o.config = "300M";
  CHECK_THROWS_WITH(convert_dummy(o), Contains("unknown config '300M'"));
  CHECK(find_dummy_config("100b")->ffn == 45568);
  CHECK(find_dummy_config("1.5B")->head_dim == 48);
}

// MODELS.md §1.2: the official 2B4T I2_S GGUF. Hidden ([.slow]): run by ctest label "slow".
TEST_CASE("dummy: 2b4t matches the official file layout", "[.slow][convert]") {
  dummy_options o;
  o.config = "2b4t";
  o.show_progress = false;
  o.out = tt::tmp_path("dummy_2b4t.gguf");
  convert_dummy(o);
  {
    const gguf_reader r = gguf_reader::open(o.out);
    REQUIRE(r.tensors().size() == 332);
    int n_i2s = 0, n_f32 = 0, n_f16 = 0;
    for (const auto& t : r.tensors()) {
      n_i2s += t.type == ggml_type::i2_s;
      n_f32 += t.type == ggml_type::f32;
      n_f16 += t.type == ggml_type::f16;
    }
    CHECK(n_i2s == 210);
    CHECK(n_f32 == 121);
    CHECK(n_f16 == 1);
    using S = std::vector<std::uint64_t>;
    CHECK(r.tensor("token_embd.weight").shape() == S{2560, 128256});
    CHECK(r.tensor("token_embd.weight").type == ggml_type::f16);
    CHECK(r.tensor("output_norm.weight").shape() == S{2560});
    CHECK(r.find_tensor("output.weight") == nullptr);
    for (int l = 0; l < 30; ++l) {
      const std::string b = "blk." + std::to_string(l) + ".";
      const std::vector<std::tuple<std::string, S, ggml_type>> expect = {
          {"attn_norm", {2560}, ggml_type::f32},         {"attn_q", {2560, 2560}, ggml_type::i2_s},
          {"attn_k", {2560, 640}, ggml_type::i2_s},      {"attn_v", {2560, 640}, ggml_type::i2_s},
          {"attn_output", {2560, 2560}, ggml_type::i2_s}, {"attn_sub_norm", {2560}, ggml_type::f32},
          {"ffn_norm", {2560}, ggml_type::f32},          {"ffn_gate", {2560, 6912}, ggml_type::i2_s},
          {"ffn_up", {2560, 6912}, ggml_type::i2_s},     {"ffn_down", {6912, 2560}, ggml_type::i2_s},
          {"ffn_sub_norm", {6912}, ggml_type::f32},
      };
      for (const auto& e : expect) {
        const gguf_tensor& t = r.tensor(b + std::get<0>(e) + ".weight");
        REQUIRE(t.shape() == std::get<1>(e));
        REQUIRE(t.type == std::get<2>(e));
      }
    }
    const std::string a = "bitnet-b1.58.";
    CHECK(r.architecture() == "bitnet-b1.58");
    CHECK(r.get_string("general.name", "") == "bitnet2b");
    CHECK(r.get_u32("general.file_type", 0) == 40);
    CHECK(r.get_u32(a + "vocab_size", 0) == 128256);
    CHECK(r.get_u32(a + "context_length", 0) == 4096);
    CHECK(r.get_u32(a + "embedding_length", 0) == 2560);
    CHECK(r.get_u32(a + "block_count", 0) == 30);
    CHECK(r.get_u32(a + "feed_forward_length", 0) == 6912);
    CHECK(r.get_u32(a + "attention.head_count", 0) == 20);
    CHECK(r.get_u32(a + "attention.head_count_kv", 0) == 5);
    CHECK(r.get_u32(a + "rope.dimension_count", 0) == 128);
    CHECK(r.get_f32(a + "rope.freq_base", 0) == 500000.0f);
    CHECK(r.get_f32(a + "attention.layer_norm_rms_epsilon", 0) == 1e-5f);
    CHECK(r.get_string("tokenizer.ggml.model", "") == "gpt2");
    CHECK(r.get_u32("tokenizer.ggml.bos_token_id", 0) == 128000);
    CHECK(r.get_u32("tokenizer.ggml.eos_token_id", 0) == 128001);
    const tokenizer tok = tokenizer::from_gguf(r);
    CHECK(tok.eot() == 128009);
    CHECK(tok.pre() == tokenizer::pre_kind::llama3);
  }
  std::remove(o.out.c_str());
}

namespace {
// Independent decoding of the bitllama2c file (MODELS.md §5.1) for comparison.
struct l2c_file {
  std::string bin;
  std::int8_t w(std::size_t group_off, std::size_t rec_bytes, int layer, std::size_t idx) const {
    const std::size_t rec = group_off + static_cast<std::size_t>(layer) * (4 + rec_bytes);
    const int c = (static_cast<unsigned char>(bin[rec + 4 + idx / 4]) >> (2 * (idx % 4))) & 3;
    return static_cast<std::int8_t>(c == 0 ? 0 : (c == 1 ? 1 : -1));
  }
  float alpha(std::size_t group_off, std::size_t rec_bytes, int layer) const {
    float a;
    std::memcpy(&a, bin.data() + group_off + static_cast<std::size_t>(layer) * (4 + rec_bytes), 4);
    return a;
  }
};
}  // namespace

TEST_CASE("llama2c-bitnet: stories3M to arch bitnet", "[convert][shared]") {
  const std::string out = tt::tmp_path("stories.gguf");
  convert_llama2c(tt::shared("data/bitllama2c/stories3M-ternary.bin"), tt::shared("data/bitllama2c/tokenizer.bin"),
                  out, false);
  const gguf_reader r = gguf_reader::open(out);
  CHECK(r.architecture() == "bitnet");
  CHECK(r.tensors().size() == 2 + 8 * 11);
  CHECK(r.get_u32("bitnet.attention.head_count_kv", 0) == 4);
  CHECK(r.get_u32("bitnet.rope.dimension_count", 0) == 32);
  CHECK(r.get_f32("bitnet.attention.layer_norm_rms_epsilon", 1) == 1e-30f);
  CHECK(r.get_f32("bitnet.output_norm_rms_epsilon", 0) == 1e-5f);
  l2c_file f{read_file(tt::shared("data/bitllama2c/stories3M-ternary.bin"))};
  // embedding and final norm copied verbatim
  CHECK(std::memcmp(r.tensor("token_embd.weight").data, f.bin.data() + 1280, 512 * 256 * 4) == 0);
  CHECK(std::memcmp(r.tensor("output_norm.weight").data, f.bin.data() + 256, 256 * 4) == 0);
  for (float v : dequantize_tensor(r.tensor("blk.3.attn_sub_norm.weight"))) REQUIRE(v == 1.0f / 256.0f);
  // wq of layer 2, rows permuted per head (new b+j = old b+2j, new b+16+j = old b+2j+1)
  const ternary_tensor q = load_ternary(r.tensor("blk.2.attn_q.weight"));
  CHECK(q.alpha == f.alpha(525568, 16384, 2));
  for (std::size_t row = 0; row < 256; ++row) {
    const std::size_t b = row / 32 * 32, j = row % 32;
    const std::size_t old = j < 16 ? b + 2 * j : b + 2 * (j - 16) + 1;
    for (std::size_t k = 0; k < 256; ++k) REQUIRE(q.w[row * 256 + k] == f.w(525568, 16384, 2, old * 256 + k));
  }
  // wk (4 kv heads) permuted too, wv untouched; w2 -> ffn_down, w3 -> ffn_up
  const ternary_tensor kk = load_ternary(r.tensor("blk.0.attn_k.weight"));
  CHECK(kk.w[1 * 256 + 7] == f.w(656672, 8192, 0, 2 * 256 + 7));
  CHECK(kk.w[16 * 256 + 9] == f.w(656672, 8192, 0, 1 * 256 + 9));
  const ternary_tensor v = load_ternary(r.tensor("blk.7.attn_v.weight"));
  for (std::size_t i = 0; i < v.w.size(); ++i) REQUIRE(v.w[i] == f.w(722240, 8192, 7, i));
  const ternary_tensor down = load_ternary(r.tensor("blk.1.ffn_down.weight"));
  const ternary_tensor up = load_ternary(r.tensor("blk.1.ffn_up.weight"));
  for (std::size_t i = 0; i < down.w.size(); i += 97) REQUIRE(down.w[i] == f.w(1050016, 16384, 1, i));
  for (std::size_t i = 0; i < up.w.size(); i += 89) REQUIRE(up.w[i] == f.w(1181120, 16384, 1, i));
  CHECK(up.alpha == f.alpha(1181120, 16384, 1));
  // tokenizer metadata (MODELS.md §5.3 expected ids)
  const tokenizer tok = tokenizer::from_gguf(r);
  CHECK(tok.encode("Once upon a time", true) == std::vector<std::int32_t>{1, 403, 407, 261, 378});
  CHECK(tok.encode("Hello world!", true) == std::vector<std::int32_t>{1, 346, 306, 414, 263, 304, 341, 443});
  CHECK(tok.encode("\xC3\xBC", true) == std::vector<std::int32_t>{1, 410, 198, 191});
  CHECK(tok.decode({1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426, 338, 401, 396, 267, 337,
                    410, 408, 419, 292, 411}) ==
        "Once upon a time, there was a little girl named Lily. She loved to play outside");
  CHECK(tok.token_text(1) == "<s>");
  CHECK(tok.token_text(259) == "\xE2\x96\x81t");
  std::remove(out.c_str());
}

TEST_CASE("llama2c-bitnet: bad inputs", "[convert][shared]") {
  const std::string out = tt::tmp_path("bad.gguf");
  CHECK_THROWS_WITH(convert_llama2c(tt::shared("data/bitllama2c/tokenizer.bin"), tt::shared("data/bitllama2c/tokenizer.bin"), out, false),
                    Contains("bad magic"));
  auto bin = tt::read_bytes(tt::shared("data/bitllama2c/stories3M-ternary.bin"));
  bin.resize(bin.size() - 100);
  tt::write_bytes(tt::tmp_path("short.bin"), bin);
  CHECK_THROWS_WITH(convert_llama2c(tt::tmp_path("short.bin"), tt::shared("data/bitllama2c/tokenizer.bin"), out, false),
                    Contains("truncated"));
  CHECK_FALSE(fs::exists(out));
}

TEST_CASE("repack: peer files round-trip losslessly between I2_S, TQ2_0, TQ1_0", "[convert][shared]") {
  const std::string i2 = tt::shared("data/peer-files/tiny-bitnet25-i2_s.gguf");
  const std::string q2 = tt::shared("data/peer-files/tiny-bitnet-tq2_0.gguf");
  const std::string q1 = tt::shared("data/peer-files/tiny-bitnet-tq1_0.gguf");
  const gguf_reader src_i2 = gguf_reader::open(i2), src_q2 = gguf_reader::open(q2), src_q1 = gguf_reader::open(q1);
  repack(i2, tt::tmp_path("i2_to_tq2.gguf"), ggml_type::tq2_0, false);
  repack(i2, tt::tmp_path("i2_to_tq1.gguf"), ggml_type::tq1_0, false);
  repack(tt::tmp_path("i2_to_tq2.gguf"), tt::tmp_path("i2_tq2_i2.gguf"), ggml_type::i2_s, false);
  repack(q1, tt::tmp_path("tq1_to_i2.gguf"), ggml_type::i2_s, false);
  repack(tt::tmp_path("tq1_to_i2.gguf"), tt::tmp_path("tq1_i2_tq1.gguf"), ggml_type::tq1_0, false);
  repack(q2, tt::tmp_path("tq2_to_tq1.gguf"), ggml_type::tq1_0, false);
  const gguf_reader a = gguf_reader::open(tt::tmp_path("i2_to_tq2.gguf"));
  const gguf_reader a1 = gguf_reader::open(tt::tmp_path("i2_to_tq1.gguf"));
  const gguf_reader b = gguf_reader::open(tt::tmp_path("i2_tq2_i2.gguf"));
  const gguf_reader c = gguf_reader::open(tt::tmp_path("tq1_i2_tq1.gguf"));
  const gguf_reader d = gguf_reader::open(tt::tmp_path("tq2_to_tq1.gguf"));
  CHECK(a.get_u32("general.file_type", 0) == 37);
  CHECK(b.get_u32("general.file_type", 0) == 40);
  CHECK(a.architecture() == "bitnet-25");  // metadata copied as is
  for (const auto& t : src_i2.tensors()) {
    const gguf_tensor& ta = a.tensor(t.name);
    const gguf_tensor& tb = b.tensor(t.name);
    if (t.type != ggml_type::i2_s) {
      // non-ternary tensors copied byte for byte
      REQUIRE(ta.nbytes == t.nbytes);
      CHECK(std::memcmp(ta.data, t.data, t.nbytes) == 0);
      continue;
    }
    CHECK(ta.type == ggml_type::tq2_0);
    // I2_S -> TQ2_0 gives exactly the bytes llama.cpp wrote for the same model (F16-exact scales)
    CHECK(std::memcmp(ta.data, src_q2.tensor(t.name).data, ta.nbytes) == 0);
    CHECK(std::memcmp(a1.tensor(t.name).data, src_q1.tensor(t.name).data, ta.nbytes * 0 + a1.tensor(t.name).nbytes) == 0);
    // and back to I2_S: the codes and the scale come back bit-exactly
    REQUIRE(tb.nbytes == t.nbytes);
    CHECK(std::memcmp(tb.data, t.data, t.nbytes - 28) == 0);
  }
  for (const auto& t : src_q1.tensors()) {
    if (t.type != ggml_type::tq1_0) continue;
    CHECK(std::memcmp(c.tensor(t.name).data, t.data, t.nbytes) == 0);
    CHECK(load_ternary(d.tensor(t.name)).w == load_ternary(src_q2.tensor(t.name)).w);
  }
  CHECK_THROWS_WITH(repack(tt::shared("data/vocab/ggml-vocab-gpt-2.gguf"), tt::tmp_path("x.gguf"), ggml_type::i2_s, false),
                    Contains("no ternary"));
}

TEST_CASE("repack: unequal TQ block scales are rejected", "[convert]") {
  gguf_writer w;
  w.set_string("general.architecture", "bitnet");
  w.add_tensor("blk.0.attn_q.weight", ggml_type::tq2_0, {512});
  std::vector<std::int8_t> tw(512, 1);
  std::vector<std::uint8_t> bytes(2 * 66);
  ternary_to_tq(ggml_type::tq2_0, tw.data(), 256, 1.0f, bytes.data());
  ternary_to_tq(ggml_type::tq2_0, tw.data(), 256, 2.0f, bytes.data() + 66);
  tt::write_bytes(tt::tmp_path("perblock.gguf"), w.to_bytes({bytes}));
  CHECK_THROWS_WITH(repack(tt::tmp_path("perblock.gguf"), tt::tmp_path("x.gguf"), ggml_type::i2_s, false),
                    Contains("blk.0.attn_q.weight") && Contains("block scales differ"));
}

TEST_CASE("hf: tiny 2B4T-packed checkpoint converts bit-exactly", "[convert][shared]") {
  const fs::path dir = tt::tmp_path("hf_ckpt");
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::uint64_t H = 128, F = 256, L = 2, V = 128256, KV = 64;  // 2 heads, 1 kv head, head_dim 64
  {
    std::FILE* f = std::fopen((dir / "config.json").string().c_str(), "wb");
    std::fprintf(f,
                 "{\"architectures\": [\"BitNetForCausalLM\"], \"hidden_act\": \"relu2\", \"hidden_size\": 128,\n"
                 " \"intermediate_size\": 256, \"num_hidden_layers\": 2, \"num_attention_heads\": 2,\n"
                 " \"num_key_value_heads\": 1, \"max_position_embeddings\": 512, \"rope_theta\": 500000.0,\n"
                 " \"rms_norm_eps\": 1e-05, \"tie_word_embeddings\": true, \"vocab_size\": 128256,\n"
                 " \"bos_token_id\": 128000, \"eos_token_id\": 128001,\n"
                 " \"quantization_config\": {\"quant_method\": \"bitnet\", \"linear_class\": \"autobitlinear\","
                 " \"quantization_mode\": \"offline\"}}\n");
    std::fclose(f);
  }
  fs::create_symlink(fs::absolute(tt::shared("data/vocab/llama3-tokenizer.json")), dir / "tokenizer.json");
  std::mt19937 rng(2024);
  using T = std::tuple<std::string, std::string, std::vector<std::uint64_t>, std::vector<std::uint8_t>>;
  std::vector<T> ts;
  auto bf16_bytes = [](const std::vector<float>& v) {
    std::vector<std::uint8_t> b(v.size() * 2);
    for (std::size_t i = 0; i < v.size(); ++i) store_u16_le(b.data() + 2 * i, f32_to_bf16(v[i]));
    return b;
  };
  std::vector<float> emb(V * H);
  for (auto& x : emb) x = static_cast<float>(static_cast<int>(rng() % 255) - 127) / 1024.0f;  // exact in bf16 and f16
  ts.push_back(T{"model.embed_tokens.weight", "BF16", {V, H}, bf16_bytes(emb)});
  ts.push_back(T{"model.norm.weight", "BF16", {H}, bf16_bytes(std::vector<float>(H, 1.5f))});
  std::map<std::string, std::pair<std::vector<std::int8_t>, float>> truth;  // gguf name -> (w, alpha)
  struct lin {
    const char* hf;
    const char* gguf;
    std::uint64_t out, in;
  };
  const lin lins[] = {{"self_attn.q_proj", "attn_q", H, H},   {"self_attn.k_proj", "attn_k", KV, H},
                      {"self_attn.v_proj", "attn_v", KV, H},  {"self_attn.o_proj", "attn_output", H, H},
                      {"mlp.gate_proj", "ffn_gate", F, H},    {"mlp.up_proj", "ffn_up", F, H},
                      {"mlp.down_proj", "ffn_down", H, F}};
  for (std::uint64_t l = 0; l < L; ++l) {
    const std::string h = "model.layers." + std::to_string(l) + ".";
    const std::string g = "blk." + std::to_string(l) + ".";
    ts.push_back(T{h + "input_layernorm.weight", "BF16", {H}, bf16_bytes(std::vector<float>(H, 0.5f))});
    ts.push_back(T{h + "post_attention_layernorm.weight", "BF16", {H}, bf16_bytes(std::vector<float>(H, 0.75f))});
    ts.push_back(T{h + "self_attn.attn_sub_norm.weight", "BF16", {H}, bf16_bytes(std::vector<float>(H, 1.25f))});
    ts.push_back(T{h + "mlp.ffn_sub_norm.weight", "BF16", {F}, bf16_bytes(std::vector<float>(F, 2.0f))});
    for (const auto& m : lins) {
      std::vector<std::int8_t> w(m.out * m.in);
      for (auto& x : w) x = static_cast<std::int8_t>(static_cast<int>(rng() % 3) - 1);
      if (l == 1 && std::string(m.gguf) == "attn_q") {
        // bf16 master weights: 3/4 of them +-0.3, so absmean s = 0.75 * bf16(0.3) and W/s -> +-1
        for (std::size_t i = 0; i < w.size(); ++i) w[i] = static_cast<std::int8_t>(i % 4 == 3 ? 0 : (i % 8 < 4 ? 1 : -1));
        std::vector<float> f(w.size());
        for (std::size_t i = 0; i < w.size(); ++i) f[i] = 0.3f * w[i];
        ts.push_back(T{h + m.hf + ".weight", "BF16", {m.out, m.in}, bf16_bytes(f)});
        truth[g + m.gguf + ".weight"] = {w, 0.75f * bf16_to_f32(f32_to_bf16(0.3f))};
        continue;
      }
      // 2B4T packing: byte (i, k) bits 2j+1..2j = code of row j*R + i (MODELS.md §1.4)
      const std::uint64_t R = m.out / 4;
      std::vector<std::uint8_t> packed(R * m.in, 0);
      for (std::uint64_t j = 0; j < 4; ++j)
        for (std::uint64_t i = 0; i < R; ++i)
          for (std::uint64_t k = 0; k < m.in; ++k)
            packed[i * m.in + k] |= static_cast<std::uint8_t>((w[(j * R + i) * m.in + k] + 1) << (2 * j));
      const float scale = static_cast<float>(1 + rng() % 50) / 32.0f;
      ts.push_back(T{h + m.hf + ".weight", "U8", {R, m.in}, packed});
      ts.push_back(T{h + m.hf + ".weight_scale", "BF16", {1}, bf16_bytes({scale})});
      truth[g + m.gguf + ".weight"] = {w, scale};
    }
  }
  write_safetensors((dir / "model.safetensors").string(), ts);
  const std::string out = tt::tmp_path("hf.gguf");
  convert_hf(dir.string(), out, false);
  const gguf_reader r = gguf_reader::open(out);
  CHECK(r.architecture() == "bitnet-b1.58");
  CHECK(r.tensors().size() == 2 + L * 11);
  CHECK(r.get_u32("bitnet-b1.58.attention.head_count_kv", 0) == 1);
  CHECK(r.get_f32("bitnet-b1.58.rope.freq_base", 0) == 500000.0f);
  CHECK(r.get_string("tokenizer.ggml.pre", "") == "llama-bpe");
  CHECK(r.get("tokenizer.ggml.merges").size() == 280147);
  for (const auto& kv : truth) {
    const gguf_tensor& t = r.tensor(kv.first);
    REQUIRE(t.type == ggml_type::i2_s);
    const ternary_tensor x = load_ternary(t);
    INFO(kv.first);
    CHECK(x.w == kv.second.first);
    CHECK(x.alpha == kv.second.second);
  }
  CHECK(r.tensor("blk.0.attn_k.weight").shape() == std::vector<std::uint64_t>{128, 64});
  CHECK(r.tensor("blk.0.ffn_down.weight").shape() == std::vector<std::uint64_t>{256, 128});
  const std::vector<float> e = dequantize_tensor(r.tensor("token_embd.weight"));
  CHECK(r.tensor("token_embd.weight").type == ggml_type::f16);
  CHECK(e == emb);
  for (float v : dequantize_tensor(r.tensor("blk.1.ffn_sub_norm.weight"))) REQUIRE(v == 2.0f);
  const tokenizer tok = tokenizer::from_gguf(r);
  CHECK(tok.encode("Hello world") == std::vector<std::int32_t>{9906, 1917});  // MODELS.md §6.5
  CHECK(tok.apply_chat_template({{"user", "Hi"}}) == "User: Hi<|eot_id|>Assistant: ");
  fs::remove_all(dir);
  std::remove(out.c_str());
}

TEST_CASE("hf: missing pieces give clear errors", "[convert]") {
  const fs::path dir = tt::tmp_path("hf_bad");
  fs::remove_all(dir);
  CHECK_THROWS_WITH(convert_hf(dir.string(), tt::tmp_path("x.gguf"), false), Contains("not a directory"));
  fs::create_directories(dir);
  CHECK_THROWS_WITH(convert_hf(dir.string(), tt::tmp_path("x.gguf"), false), Contains("config.json"));
  fs::remove_all(dir);
}
