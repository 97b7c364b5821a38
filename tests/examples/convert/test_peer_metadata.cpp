// SPDX-License-Identifier: MIT
// tests/examples/convert/test_peer_metadata.cpp - every file tritlut-convert writes carries metadata other engines
// accept (bitnet.cpp, ik_llama.cpp, mainline llama.cpp; docs/convert.md "Which engines run the files"),
// and the tiny epsilon of llama2c-bitnet computes bit for bit what epsilon 0 computes. No peer engine is
// needed: the ranges and required keys are the ones those engines check when they load a file.
#include <cfloat>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <random>
#include <set>
#include <tuple>

#include "catch.hpp"
#include "convert/convert.hpp"
#include "common/fp16.hpp"
#include "engine/generate.hpp"
#include "formats/gguf.hpp"
#include "engine/model.hpp"
#include "formats/quants.hpp"
#include "formats/safetensors.hpp"
#include "common/file_checks.hpp"
#include "tokenizer/hf_vocab.hpp"
#include "support/files.hpp"
#include "tokenizer/tokenizer.hpp"
#include "common/unicode.hpp"

using namespace trex;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

std::uint32_t need_u32(const gguf_reader& r, const std::string& key) {
  INFO(key);
  REQUIRE(r.has(key));
  REQUIRE(r.get(key).is_integer());
  return r.get(key).as_u32();
}

// The metadata checks of a model file, from what llama.cpp's loader and its forks require:
// - hyper-parameters: context_length, embedding_length, block_count, feed_forward_length,
//   attention.head_count and (for the BitNet graphs) attention.layer_norm_rms_epsilon are read as
//   required keys; rms_norm asserts eps > 0 in bitnet.cpp and ik_llama.cpp;
// - tokenizer: a `llama` (SentencePiece) vocabulary looks up the byte token <0x0A> for the newline and
//   must hold every <0xNN> byte token for byte fallback; a `gpt2` vocabulary needs
//   tokenizer.ggml.merges and a pre-tokenizer name it knows; scores / token_type are indexed per token,
//   so they must have one entry per token; special ids must be inside the vocabulary;
// - tensors: token_embd is [n_embd, n_vocab], the BitNet graphs read sub-norms of n_embd and n_ff.
void check_peer_metadata(const std::string& path) {
  INFO("file " << path);
  const gguf_reader r = gguf_reader::open(path);
  const std::string arch = r.architecture();
  const std::set<std::string> archs = {"bitnet", "bitnet-b1.58", "bitnet-25", "llama"};
  REQUIRE(archs.count(arch) == 1);
  const std::string a = arch + ".";

  // hyper-parameters
  const std::uint32_t n_ctx = need_u32(r, a + "context_length");
  const std::uint32_t n_embd = need_u32(r, a + "embedding_length");
  const std::uint32_t n_layer = need_u32(r, a + "block_count");
  const std::uint32_t n_ff = need_u32(r, a + "feed_forward_length");
  const std::uint32_t n_head = need_u32(r, a + "attention.head_count");
  const std::uint32_t n_head_kv = need_u32(r, a + "attention.head_count_kv");
  CHECK(n_ctx > 0);
  CHECK(n_layer > 0);
  CHECK(n_ff > 0);
  REQUIRE(n_head > 0);
  REQUIRE(n_head_kv > 0);
  CHECK(n_head % n_head_kv == 0);
  REQUIRE(n_embd % n_head == 0);
  const std::uint32_t head_dim = n_embd / n_head;
  CHECK(need_u32(r, a + "rope.dimension_count") == head_dim);
  CHECK(head_dim % 2 == 0);
  REQUIRE(r.has(a + "rope.freq_base"));
  CHECK(r.get(a + "rope.freq_base").type() == gguf_vtype::f32);
  const float theta = r.get_f32(a + "rope.freq_base", 0.0f);
  CHECK(std::isfinite(theta));
  CHECK(theta > 1.0f);
  REQUIRE(r.has(a + "attention.layer_norm_rms_epsilon"));
  CHECK(r.get(a + "attention.layer_norm_rms_epsilon").type() == gguf_vtype::f32);
  const float eps = r.get_f32(a + "attention.layer_norm_rms_epsilon", -1.0f);
  CHECK(std::isfinite(eps));
  CHECK(eps > 0.0f);
  CHECK(eps >= FLT_MIN);  // a normal float: denormals read as 0 under flush-to-zero
  CHECK(eps <= 1e-3f);
  if (r.has(a + "output_norm_rms_epsilon")) {  // tritlut's own key (llama2c-bitnet's final norm)
    const float e = r.get_f32(a + "output_norm_rms_epsilon", -1.0f);
    CHECK(std::isfinite(e));
    CHECK(e > 0.0f);
  }

  // tokenizer
  const std::string tmodel = r.get_string("tokenizer.ggml.model", "");
  REQUIRE((tmodel == "llama" || tmodel == "gpt2"));
  REQUIRE(r.has("tokenizer.ggml.tokens"));
  const std::vector<std::string_view> tokens = r.get("tokenizer.ggml.tokens").as_strings();
  const std::size_t n_vocab = tokens.size();
  REQUIRE(n_vocab > 0);
  std::set<std::string_view> token_set(tokens.begin(), tokens.end());
  if (r.has(a + "vocab_size")) CHECK(need_u32(r, a + "vocab_size") == n_vocab);
  std::vector<std::int32_t> types;
  if (r.has("tokenizer.ggml.token_type")) {
    types = r.get("tokenizer.ggml.token_type").as_i32s();
    REQUIRE(types.size() == n_vocab);
    for (std::int32_t t : types) REQUIRE((t >= 1 && t <= 6));  // normal .. byte (0 = undefined)
  }
  if (r.has("tokenizer.ggml.scores")) {
    const std::vector<float> scores = r.get("tokenizer.ggml.scores").as_f32s();
    REQUIRE(scores.size() == n_vocab);
    for (float s : scores) REQUIRE(std::isfinite(s));
  }
  auto special = [&](const char* key, bool required) -> std::int64_t {
    INFO(key);
    if (!r.has(key)) {
      CHECK_FALSE(required);
      return -1;
    }
    const std::uint32_t id = need_u32(r, key);
    CHECK(id < n_vocab);
    return id;
  };
  const std::int64_t bos = special("tokenizer.ggml.bos_token_id", true);
  const std::int64_t eos = special("tokenizer.ggml.eos_token_id", true);
  special("tokenizer.ggml.unknown_token_id", tmodel == "llama");
  special("tokenizer.ggml.padding_token_id", false);
  special("tokenizer.ggml.eot_token_id", false);
  for (const char* k : {"tokenizer.ggml.add_bos_token", "tokenizer.ggml.add_eos_token", "tokenizer.ggml.add_space_prefix"})
    if (r.has(k)) CHECK(r.get(k).type() == gguf_vtype::boolean);  // optional; read as bool
  if (!types.empty()) {
    // BOS/EOS are control tokens (engines do not render them and do not match them in text)
    if (bos >= 0 && bos < static_cast<std::int64_t>(n_vocab)) CHECK(types[static_cast<std::size_t>(bos)] == 3);
    if (eos >= 0 && eos < static_cast<std::int64_t>(n_vocab)) CHECK(types[static_cast<std::size_t>(eos)] == 3);
  }
  if (tmodel == "llama") {
    static const char* hex = "0123456789ABCDEF";
    for (int b = 0; b < 256; ++b) {
      const std::string t = std::string("<0x") + hex[b >> 4] + hex[b & 15] + ">";
      INFO(t);
      REQUIRE(token_set.count(t) == 1);
    }
  } else {
    const std::set<std::string> known_pre = {"default", "llama-bpe", "llama3", "llama-v3", "gpt-2", "falcon3"};
    CHECK(known_pre.count(r.get_string("tokenizer.ggml.pre", "")) == 1);
    REQUIRE(r.has("tokenizer.ggml.merges"));
    const std::vector<std::string_view> merges = r.get("tokenizer.ggml.merges").as_strings();
    REQUIRE(!merges.empty());
    for (std::string_view m : merges) {
      INFO("merge '" << std::string(m) << "'");
      const std::size_t sp = m.find(' ', 1);
      REQUIRE(sp != std::string_view::npos);
      const std::string left(m.substr(0, sp)), right(m.substr(sp + 1));
      REQUIRE(token_set.count(left) == 1);
      REQUIRE(token_set.count(right) == 1);
      REQUIRE(token_set.count(left + right) == 1);
    }
  }

  // tensors
  const gguf_tensor& emb = r.tensor("token_embd.weight");
  CHECK(emb.shape() == std::vector<std::uint64_t>{n_embd, n_vocab});
  CHECK(r.tensor("output_norm.weight").shape() == std::vector<std::uint64_t>{n_embd});
  std::set<ggml_type> ternary;
  for (const auto& t : r.tensors()) {
    INFO(std::string(t.name));
    CHECK(t.offset % r.alignment() == 0);
    if (t.type == ggml_type::i2_s || t.type == ggml_type::tq1_0 || t.type == ggml_type::tq2_0) ternary.insert(t.type);
    if (t.type == ggml_type::tq1_0 || t.type == ggml_type::tq2_0) CHECK(t.ne[0] % 256 == 0);
  }
  REQUIRE(ternary.size() == 1);  // one ternary format per file, named by general.file_type
  for (const auto& t : r.tensors()) {
    const std::string name(t.name);
    if (name.size() < 6 || name.compare(name.size() - 6, 6, ".scale") != 0) continue;
    // an optional per-matrix scale (llama.cpp: shape {1}, multiplied into the matrix output)
    INFO(name);
    CHECK(t.type == ggml_type::f32);
    CHECK(t.shape() == std::vector<std::uint64_t>{1});
    const gguf_tensor* wt = r.find_tensor(name.substr(0, name.size() - 6) + ".weight");
    REQUIRE(wt != nullptr);
    CHECK(wt->type == *ternary.begin());
  }
  const ggml_type fmt = *ternary.begin();
  const std::uint32_t want_ftype = fmt == ggml_type::i2_s ? 40 : fmt == ggml_type::tq1_0 ? 36 : 37;
  CHECK(need_u32(r, "general.file_type") == want_ftype);
  CHECK(need_u32(r, "general.quantization_version") == 2);
  const std::uint64_t q_dim = std::uint64_t(n_head) * head_dim, kv_dim = std::uint64_t(n_head_kv) * head_dim;
  for (std::uint32_t l = 0; l < n_layer; ++l) {
    const std::string p = "blk." + std::to_string(l) + ".";
    CHECK(r.tensor(p + "attn_norm.weight").shape() == std::vector<std::uint64_t>{n_embd});
    CHECK(r.tensor(p + "attn_q.weight").shape() == std::vector<std::uint64_t>{n_embd, q_dim});
    CHECK(r.tensor(p + "attn_k.weight").shape() == std::vector<std::uint64_t>{n_embd, kv_dim});
    CHECK(r.tensor(p + "attn_v.weight").shape() == std::vector<std::uint64_t>{n_embd, kv_dim});
    CHECK(r.tensor(p + "attn_output.weight").shape() == std::vector<std::uint64_t>{q_dim, n_embd});
    CHECK(r.tensor(p + "ffn_norm.weight").shape() == std::vector<std::uint64_t>{n_embd});
    CHECK(r.tensor(p + "ffn_gate.weight").shape() == std::vector<std::uint64_t>{n_embd, n_ff});
    CHECK(r.tensor(p + "ffn_up.weight").shape() == std::vector<std::uint64_t>{n_embd, n_ff});
    CHECK(r.tensor(p + "ffn_down.weight").shape() == std::vector<std::uint64_t>{n_ff, n_embd});
    if (arch != "llama") {
      CHECK(r.tensor(p + "attn_sub_norm.weight").shape() == std::vector<std::uint64_t>{q_dim});
      CHECK(r.tensor(p + "ffn_sub_norm.weight").shape() == std::vector<std::uint64_t>{n_ff});
    }
  }
}

void write_text(const fs::path& p, const std::string& s) {
  std::FILE* f = std::fopen(p.string().c_str(), "wb");
  REQUIRE(f);
  std::fwrite(s.data(), 1, s.size(), f);
  std::fclose(f);
}

// A 1bitLLM-style (SiLU -> arch bitnet) Hugging Face checkpoint with float master weights and a small
// byte-level BPE tokenizer.json, rms_norm_eps 0 in config.json.
fs::path write_silu_checkpoint() {
  const fs::path dir = tt::tmp_path("hf_silu");
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::uint64_t H = 256, F = 512, L = 1, KV = 128;  // 4 heads of 64, 2 kv heads
  // tokenizer.json: the 256 byte-level characters, merges "Ġ t" -> "Ġt" and "Ġt h" -> "Ġth", two specials.
  std::string vocab = "{";
  for (int b = 0; b < 256; ++b) {
    std::string s;
    utf8_append(s, byte_to_unicode(static_cast<std::uint8_t>(b)));
    std::string esc;
    for (char c : s) esc += (c == '"' || c == '\\') ? std::string("\\") + c : std::string(1, c);
    vocab += "\"" + esc + "\": " + std::to_string(b) + ", ";
  }
  vocab += "\"\xC4\xA0t\": 256, \"\xC4\xA0th\": 257}";
  write_text(dir / "tokenizer.json",
             "{\"model\": {\"type\": \"BPE\", \"vocab\": " + vocab +
                 ", \"merges\": [\"\xC4\xA0 t\", \"\xC4\xA0t h\"]},\n"
                 " \"pre_tokenizer\": {\"type\": \"ByteLevel\"}, \"decoder\": {\"type\": \"ByteLevel\"},\n"
                 " \"added_tokens\": [{\"id\": 258, \"content\": \"<s>\", \"special\": true},"
                 " {\"id\": 259, \"content\": \"</s>\", \"special\": true}]}\n");
  write_text(dir / "config.json",
             "{\"hidden_act\": \"silu\", \"hidden_size\": 256, \"intermediate_size\": 512, \"num_hidden_layers\": 1,\n"
             " \"num_attention_heads\": 4, \"num_key_value_heads\": 2, \"max_position_embeddings\": 256,\n"
             " \"rope_theta\": 10000.0, \"rms_norm_eps\": 0.0, \"bos_token_id\": 258, \"eos_token_id\": 259}\n");
  const std::uint64_t V = 260;
  std::mt19937 rng(20);
  using T = std::tuple<std::string, std::string, std::vector<std::uint64_t>, std::vector<std::uint8_t>>;
  std::vector<T> ts;
  auto f32_tensor = [&](const std::string& name, std::vector<std::uint64_t> shape, float lo, float hi) {
    std::uint64_t n = 1;
    for (auto d : shape) n *= d;
    std::uniform_real_distribution<float> u(lo, hi);
    std::vector<std::uint8_t> b(n * 4);
    for (std::uint64_t i = 0; i < n; ++i) store_u32_le(b.data() + 4 * i, f32_bits(u(rng)));
    ts.push_back(T{name, "F32", shape, b});
  };
  f32_tensor("model.embed_tokens.weight", {V, H}, -0.05f, 0.05f);
  f32_tensor("model.norm.weight", {H}, 0.9f, 1.1f);
  for (std::uint64_t l = 0; l < L; ++l) {
    const std::string h = "model.layers." + std::to_string(l) + ".";
    f32_tensor(h + "input_layernorm.weight", {H}, 0.9f, 1.1f);
    f32_tensor(h + "post_attention_layernorm.weight", {H}, 0.9f, 1.1f);
    f32_tensor(h + "self_attn.inner_attn_ln.weight", {H}, 0.9f, 1.1f);
    f32_tensor(h + "mlp.ffn_layernorm.weight", {F}, 0.9f, 1.1f);
    f32_tensor(h + "self_attn.q_proj.weight", {H, H}, -1.0f, 1.0f);
    f32_tensor(h + "self_attn.k_proj.weight", {KV, H}, -1.0f, 1.0f);
    f32_tensor(h + "self_attn.v_proj.weight", {KV, H}, -1.0f, 1.0f);
    f32_tensor(h + "self_attn.o_proj.weight", {H, H}, -1.0f, 1.0f);
    f32_tensor(h + "mlp.gate_proj.weight", {F, H}, -1.0f, 1.0f);
    f32_tensor(h + "mlp.up_proj.weight", {F, H}, -1.0f, 1.0f);
    f32_tensor(h + "mlp.down_proj.weight", {H, F}, -1.0f, 1.0f);
  }
  write_safetensors((dir / "model.safetensors").string(), ts);
  return dir;
}

// A copy of `src` with one f32 metadata value replaced (tensors copied byte for byte).
void copy_with_f32(const std::string& src, const std::string& dst, const std::string& key, float value) {
  const gguf_reader r = gguf_reader::open(src);
  gguf_writer w(r.alignment());
  for (const auto& kv : r.metadata())
    if (kv.first != "general.alignment") w.set_value(kv.first, kv.second);
  REQUIRE(w.has(key));
  w.set_f32(key, value);
  for (const auto& t : r.tensors()) w.add_tensor(std::string(t.name), t.type, t.shape());
  w.open(dst);
  for (const auto& t : r.tensors()) w.write(t.data, static_cast<std::size_t>(t.nbytes));
  w.close();
}

// Logits (bit patterns) before each of n greedy tokens after `prompt`; the prompt goes through the
// batched path (GEMM kernels), the tokens one at a time (GEMV).
std::vector<std::vector<float>> greedy_logits(const std::string& path, const std::vector<std::int32_t>& prompt,
                                              std::size_t n, std::vector<std::int32_t>& ids) {
  tritlut::thread_pool pool(1);
  auto m = model::load(path, load_options{}, pool);
  session_options so;
  so.n_batch = 16;
  session s(*m, pool, so);
  s.eval(prompt);
  std::vector<std::vector<float>> out;
  ids.clear();
  for (std::size_t i = 0; i < n; ++i) {
    out.emplace_back(s.logits(), s.logits() + s.n_vocab());
    std::size_t best = 0;
    for (std::size_t v = 1; v < s.n_vocab(); ++v)
      if (s.logits()[v] > s.logits()[best]) best = v;
    ids.push_back(static_cast<std::int32_t>(best));
    s.eval(&ids.back(), 1);
  }
  return out;
}

bool same_bits(const std::vector<std::vector<float>>& a, const std::vector<std::vector<float>>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].size() != b[i].size() || std::memcmp(a[i].data(), b[i].data(), a[i].size() * sizeof(float)) != 0)
      return false;
  return true;
}

}  // namespace

TEST_CASE("peer metadata: every converter output is in the ranges other engines accept", "[convert][peer][shared]") {
  const std::string stories = tt::tmp_path("peer_stories.gguf");
  convert_llama2c(tt::shared("data/bitllama2c/stories3M-ternary.bin"), tt::shared("data/bitllama2c/tokenizer.bin"),
                  stories, false);
  SECTION("llama2c-bitnet and its repacks") {
    check_peer_metadata(stories);
    const gguf_reader r = gguf_reader::open(stories);
    CHECK(r.get_f32("bitnet.attention.layer_norm_rms_epsilon", 0.0f) == k_tiny_rms_eps);
    CHECK(r.get_f32("bitnet.output_norm_rms_epsilon", 0.0f) == 1e-5f);
    for (ggml_type t : {ggml_type::tq2_0, ggml_type::tq1_0}) {
      const std::string out = tt::tmp_path(std::string("peer_stories_") + to_string(t) + ".gguf");
      repack(stories, out, t, false);
      check_peer_metadata(out);
      CHECK(gguf_reader::open(out).architecture() == "bitnet");  // mainline's name for this graph
    }
  }
  SECTION("dummy: synthetic vocabularies, both formats, repacked") {
    for (std::uint64_t vocab : {300u, 4096u}) {
      for (const char* fmt : {"i2s", "tq2_0"}) {
        dummy_options o;
        o.config = "tiny";
        o.format = fmt;
        o.seed = 5;
        o.vocab_size = vocab;
        o.out = tt::tmp_path("peer_dummy_" + std::to_string(vocab) + fmt + ".gguf");
        o.show_progress = false;
        convert_dummy(o);
        check_peer_metadata(o.out);
      }
    }
    const std::string out = tt::tmp_path("peer_dummy_tq1.gguf");
    repack(tt::tmp_path("peer_dummy_300i2s.gguf"), out, ggml_type::tq1_0, false);
    check_peer_metadata(out);
    CHECK(gguf_reader::open(out).architecture() == "bitnet-b1.58");  // no rename to mainline's SiLU graph
  }
  SECTION("dummy: vocabularies copied from GGUF files") {
    for (const char* v : {"data/vocab/ggml-vocab-llama-spm.gguf", "data/vocab/ggml-vocab-gpt-2.gguf"}) {
      dummy_options o;
      o.config = "tiny";
      o.vocab_file = tt::shared(v);
      o.out = tt::tmp_path("peer_dummy_vocab.gguf");
      o.show_progress = false;
      convert_dummy(o);
      check_peer_metadata(o.out);
    }
  }
  SECTION("hf: SiLU checkpoint (arch bitnet) with rms_norm_eps 0") {
    const fs::path dir = write_silu_checkpoint();
    const std::string out = tt::tmp_path("peer_hf.gguf");
    convert_hf(dir.string(), out, false);
    check_peer_metadata(out);
    const gguf_reader r = gguf_reader::open(out);
    CHECK(r.architecture() == "bitnet");
    CHECK(r.get_f32("bitnet.attention.layer_norm_rms_epsilon", 0.0f) == k_tiny_rms_eps);
    CHECK(r.get_string("tokenizer.ggml.pre", "") == "gpt-2");
    const std::string q2 = tt::tmp_path("peer_hf_tq2.gguf");
    repack(out, q2, ggml_type::tq2_0, false);
    check_peer_metadata(q2);
    fs::remove_all(dir);
  }
}

TEST_CASE("peer metadata: hf rejects an rms_norm_eps no engine accepts", "[convert][peer]") {
  const fs::path dir = write_silu_checkpoint();
  const std::string cfg = trex::read_file((dir / "config.json").string());
  for (const char* bad : {"-1e-6", "1.5"}) {
    std::string c = cfg;
    c.replace(c.find("\"rms_norm_eps\": 0.0"), 19, std::string("\"rms_norm_eps\": ") + bad);
    write_text(dir / "config.json", c);
    CHECK_THROWS_WITH(convert_hf(dir.string(), tt::tmp_path("peer_bad.gguf"), false),
                      Contains("rms_norm_eps") && Contains("out of range"));
  }
  fs::remove_all(dir);
}

TEST_CASE("peer table: which engines run which file, and the repack warning", "[convert][peer]") {
  using V = std::vector<std::string>;
  CHECK(peer_engines("bitnet", ggml_type::i2_s) == V{"bitnet.cpp"});
  CHECK(peer_engines("bitnet", ggml_type::tq2_0) == V{"llama.cpp"});
  CHECK(peer_engines("bitnet", ggml_type::tq1_0) == V{"llama.cpp"});
  CHECK(peer_engines("bitnet-b1.58", ggml_type::i2_s) == V{"bitnet.cpp"});
  CHECK(peer_engines("bitnet-25", ggml_type::i2_s) == V{"bitnet.cpp"});
  CHECK(peer_engines("bitnet-b1.58", ggml_type::tq2_0).empty());
  CHECK(peer_engines("bitnet-25", ggml_type::tq1_0).empty());
  CHECK(peer_engines("llama", ggml_type::tq2_0) == V{"llama.cpp"});
  CHECK(peer_warning("bitnet", ggml_type::tq2_0).empty());
  CHECK(peer_warning("bitnet-b1.58", ggml_type::i2_s).empty());
  CHECK_THAT(peer_warning("bitnet-b1.58", ggml_type::tq2_0),
             Contains("no graph for arch 'bitnet-b1.58'") && Contains("SiLU") && Contains("TQ2_0"));
  CHECK_THAT(peer_warning("bitnet-25", ggml_type::tq1_0), Contains("no graph for arch 'bitnet-25'"));
}

TEST_CASE("llama2c-bitnet: the tiny epsilon gives logits bit-identical to epsilon 0 (TinyStories)",
          "[convert][peer][shared]") {
  const std::string tiny = tt::tmp_path("eps_tiny.gguf");
  convert_llama2c(tt::shared("data/bitllama2c/stories3M-ternary.bin"), tt::shared("data/bitllama2c/tokenizer.bin"),
                  tiny, false);
  const std::string zero = tt::tmp_path("eps_zero.gguf"), big = tt::tmp_path("eps_big.gguf");
  copy_with_f32(tiny, zero, "bitnet.attention.layer_norm_rms_epsilon", 0.0f);
  // 1e-5 inside the inner norms (MODELS.md §5.4: it changes results): shows the comparison can fail.
  copy_with_f32(tiny, big, "bitnet.attention.layer_norm_rms_epsilon", 1e-5f);
  // From BOS, and from a prompt.
  const tokenizer tok = tokenizer::from_gguf(gguf_reader::open(tiny));
  const std::vector<std::vector<std::int32_t>> prompts = {{1}, tok.encode("Once upon a time, a little dog", true)};
  REQUIRE(prompts[1].size() > 5);
  for (const auto& p : prompts) {
    INFO("prompt of " << p.size() << " tokens");
    std::vector<std::int32_t> ids_tiny, ids_zero, ids_big;
    const auto l_tiny = greedy_logits(tiny, p, 64, ids_tiny);
    const auto l_zero = greedy_logits(zero, p, 64, ids_zero);
    const auto l_big = greedy_logits(big, p, 64, ids_big);
    CHECK(ids_tiny == ids_zero);
    CHECK(same_bits(l_tiny, l_zero));
    CHECK_FALSE(same_bits(l_tiny, l_big));
  }
}

TEST_CASE("repack: TQ files of TinyStories compute what the I2_S file computes, bit for bit",
          "[convert][peer][shared]") {
  const std::string i2 = tt::tmp_path("rp_i2.gguf");
  convert_llama2c(tt::shared("data/bitllama2c/stories3M-ternary.bin"), tt::shared("data/bitllama2c/tokenizer.bin"),
                  i2, false);
  // bitllama2.c's scales are f32 values F16 does not hold (TQ's block scale is F16)
  const float a_q0 = load_ternary(gguf_reader::open(i2).tensor("blk.0.attn_q.weight")).alpha;
  REQUIRE(f16_to_f32(f32_to_f16(a_q0)) != a_q0);
  const tokenizer tok = tokenizer::from_gguf(gguf_reader::open(i2));
  const std::vector<std::vector<std::int32_t>> prompts = {{1}, tok.encode("Once upon a time, a little dog", true)};
  for (ggml_type t : {ggml_type::tq2_0, ggml_type::tq1_0}) {
    INFO(to_string(t));
    const std::string tq = tt::tmp_path(std::string("rp_") + to_string(t) + ".gguf");
    repack(i2, tq, t, false);
    check_peer_metadata(tq);
    for (const auto& p : prompts) {
      INFO("prompt of " << p.size() << " tokens");
      std::vector<std::int32_t> ids_i2, ids_tq;
      const auto l_i2 = greedy_logits(i2, p, 64, ids_i2);
      const auto l_tq = greedy_logits(tq, p, 64, ids_tq);
      CHECK(ids_i2 == ids_tq);
      CHECK(same_bits(l_i2, l_tq));
    }
    {
      const gguf_reader r = gguf_reader::open(tq);
      // blocks of scale 1 and the exact alpha in an F32 `.scale` tensor of one element
      CHECK(load_ternary(r.tensor("blk.0.attn_q.weight")).alpha == 1.0f);
      REQUIRE(r.find_tensor("blk.0.attn_q.scale") != nullptr);
      CHECK(dequantize_tensor(r.tensor("blk.0.attn_q.scale")) == std::vector<float>{a_q0});
      CHECK(r.tensors().size() == 2 + 8 * 11 + 8 * 7);
    }
    // and back: the `.scale` returns into the I2_S scale, giving the original bytes
    const std::string back = tt::tmp_path("rp_back.gguf");
    repack(tq, back, ggml_type::i2_s, false);
    CHECK(tt::read_bytes(back) == tt::read_bytes(i2));
  }
}
