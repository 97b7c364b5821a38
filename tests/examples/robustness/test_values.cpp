// SPDX-License-Identifier: MIT
// tests/examples/robustness/test_values.cpp - issue 16 sections 2 and 5: no computing silently on non-finite
// numbers (loader, converters, activation quantizer) and values checked with a clear precedence
// (sampler cut-offs, special token ids, tokenizer vs embedding, byte tokens, threads, --isa vs
// TRITLUT_ISA, over-long chat turns). Every hostile input is built here.
#include <sched.h>

#include <cmath>
#include <limits>

#include <tritlut/tritlut.hpp>

#include "catch.hpp"
#include "models.hpp"
#include "support/each_isa.hpp"

using namespace trex;
using namespace tt;
using Catch::Matchers::Contains;

namespace {

const float k_nan = std::numeric_limits<float>::quiet_NaN();
const float k_inf = std::numeric_limits<float>::infinity();

tt::child_result run_model(const std::string& model, std::vector<std::string> extra = {},
                           const tt::child_options& opt = {}) {
  std::vector<std::string> a = {run_exe(), "-m", model, "-p", "hello", "-n", "4", "--seed", "1", "--temp", "0"};
  a.insert(a.end(), extra.begin(), extra.end());
  return tt::run_child(a, opt);
}

// Status 1 and every fragment in the message; the file given is unchanged.
void expect_error(const tt::child_result& r, const std::vector<std::string>& fragments, int status = 1) {
  INFO(r.describe());
  CHECK(r.exited(status));
  for (const auto& f : fragments) CHECK(contains(r.err, f));
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Section 2: never compute silently on non-finite numbers

TEST_CASE("loader: a NaN or Inf in any float tensor or hyper-parameter is refused, naming it",
          "[robustness][values]") {
  const std::string dir = tt::scratch_dir("values-loader");
  const std::string tiny = tiny_model(dir);
  struct bad_case {
    const char* label;
    std::function<void(gguf_writer&)> kv;
    std::function<void(const std::string&, tensor_edit&)> tensor;
    std::vector<std::string> message;
  };
  auto in_tensor = [](const char* which, std::function<void(tensor_edit&)> f) {
    return [which, f](const std::string& name, tensor_edit& t) {
      if (name == which) f(t);
    };
  };
  const std::vector<bad_case> cases = {
      {"I2_S scale NaN", {}, in_tensor("blk.1.attn_k.weight", [](tensor_edit& t) { set_i2s_scale(t, k_nan); }),
       {"blk.1.attn_k.weight", "non-finite scale"}},
      {"I2_S scale Inf", {}, in_tensor("blk.0.ffn_down.weight", [](tensor_edit& t) { set_i2s_scale(t, -k_inf); }),
       {"blk.0.ffn_down.weight", "non-finite scale"}},
      {"F16 embedding NaN", {}, in_tensor("token_embd.weight", [](tensor_edit& t) { set_f16(t.bytes, 256 * 123 + 7, 0x7e00); }),
       {"token_embd.weight", "non-finite value", "row 123", "column 7"}},
      {"F16 embedding Inf in the last row", {},
       in_tensor("token_embd.weight", [](tensor_edit& t) { set_f16(t.bytes, 256 * 299 + 255, 0xfc00); }),
       {"token_embd.weight", "row 299"}},
      {"F32 embedding Inf",
       {},
       in_tensor("token_embd.weight",
                 [](tensor_edit& t) {
                   std::vector<std::uint8_t> b(t.bytes.size() * 2);
                   for (std::size_t i = 0; i < t.bytes.size() / 2; ++i)
                     set_f32(b, i, f16_to_f32(load_u16_le(t.bytes.data() + 2 * i)));
                   set_f32(b, 256 * 5 + 1, k_inf);
                   t.type = ggml_type::f32;
                   t.bytes = std::move(b);
                 }),
       {"token_embd.weight", "non-finite value (inf)", "row 5"}},
      {"norm weight NaN", {}, in_tensor("blk.1.ffn_sub_norm.weight", [](tensor_edit& t) { set_f32(t.bytes, 700, k_nan); }),
       {"blk.1.ffn_sub_norm.weight", "non-finite", "element 700"}},
      {"output norm Inf", {}, in_tensor("output_norm.weight", [](tensor_edit& t) { set_f32(t.bytes, 0, k_inf); }),
       {"output_norm.weight", "non-finite"}},
      {"RMSNorm epsilon NaN", [](gguf_writer& w) { w.set_f32("bitnet-b1.58.attention.layer_norm_rms_epsilon", k_nan); }, {},
       {"layer_norm_rms_epsilon", "finite"}},
      {"RMSNorm epsilon negative", [](gguf_writer& w) { w.set_f32("bitnet-b1.58.attention.layer_norm_rms_epsilon", -1.0f); },
       {}, {"layer_norm_rms_epsilon", ">= 0"}},
      {"final RMSNorm epsilon Inf", [](gguf_writer& w) { w.set_f32("bitnet-b1.58.output_norm_rms_epsilon", k_inf); }, {},
       {"output_norm_rms_epsilon"}},
      {"RoPE base Inf", [](gguf_writer& w) { w.set_f32("bitnet-b1.58.rope.freq_base", k_inf); }, {},
       {"rope.freq_base", "finite"}},
      {"RoPE base NaN as f64", [](gguf_writer& w) { w.set_f64("bitnet-b1.58.rope.freq_base", std::nan("")); }, {},
       {"rope.freq_base"}},
      {"RoPE base 0", [](gguf_writer& w) { w.set_f32("bitnet-b1.58.rope.freq_base", 0.0f); }, {}, {"rope.freq_base", "> 0"}},
      {"tokenizer score NaN",
       [](gguf_writer& w) {
         std::vector<float> s(300, 0.0f);
         s[42] = k_nan;
         w.set_f32s("tokenizer.ggml.scores", s);
       },
       {}, {"tokenizer.ggml.scores[42]"}},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.label) {
      const std::string bad = dir + "/bad.gguf";
      rewrite_gguf(tiny, bad, c.kv, c.tensor);
      const std::string before = tt::file_digest(bad);
      expect_error(run_model(bad), c.message);
      CHECK(tt::file_digest(bad) == before);
    }
  }
  SECTION("the unmodified model still runs") {
    const auto r = run_model(tiny);
    INFO(r.describe());
    CHECK(r.exited(0));
  }
}

TEST_CASE("quantize: a NaN or Inf activation throws on every ISA instead of mapping to -128", "[robustness][values]") {
  const std::size_t k = 2560 + 7;  // whole SIMD batches plus a scalar tail
  std::vector<float> x(3 * k);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = std::sin(0.37f * static_cast<float>(i)) * 3.0f;
  tt::for_each_isa([&] {
    const tritlut::act_q8 good = tritlut::quantize(x.data(), 3, k);
    for (std::size_t r = 0; r < 3; ++r) CHECK(good.scale(r) > 0.0f);
    // Positions: first element, inside the vectorized part, the scalar tail, last element.
    for (std::size_t pos : {std::size_t(0), std::size_t(1000), k - 3, k - 1})
      for (float bad : {k_nan, -k_nan, k_inf, -k_inf}) {
        std::vector<float> y = x;
        y[k + pos] = bad;  // row 1
        INFO("position " << pos << " value " << bad);
        CHECK_THROWS_WITH(tritlut::quantize(y.data(), 3, k), Contains("row 1") && Contains("non-finite"));
      }
  });
}

TEST_CASE("run: an activation that overflows to Inf/NaN ends with a clear error, not garbage text", "[robustness][values]") {
  const std::string dir = tt::scratch_dir("values-overflow");
  const std::string tiny = tiny_model(dir);
  const std::string bad = dir + "/overflow.gguf";
  // Finite but huge norm weights: the normed input of layer 0's q/k/v exceeds FLT_MAX.
  rewrite_gguf(tiny, bad, {}, [](const std::string& name, tensor_edit& t) {
    if (name == "blk.0.attn_norm.weight")
      for (std::size_t i = 0; i < t.bytes.size() / 4; ++i) set_f32(t.bytes, i, 3.0e38f);
  });
  const auto r = run_model(bad);
  INFO(r.describe());
  CHECK(r.exited(1));
  CHECK(contains(r.err, "non-finite"));
  CHECK(contains(r.err, "positions 0.."));
  CHECK(r.out.empty());
}

TEST_CASE("hf converter: non-finite and out-of-range inputs are refused, naming them", "[robustness][values]") {
  const std::string dir = tt::scratch_dir("values-hf");
  const std::string out = dir + "/out.gguf";
  auto convert = [&](const hf_options& o) {
    const std::string ck = hf_checkpoint(dir, o);
    return tt::run_child({convert_exe(), "hf", ck, "-o", out, "--quiet"});
  };
  SECTION("a NaN master weight") {
    hf_options o;
    o.edit = [](const std::string& n, std::vector<float>& v) {
      if (n == "model.layers.0.self_attn.q_proj.weight") v[77] = k_nan;
    };
    expect_error(convert(o), {"model.layers.0.self_attn.q_proj.weight", "non-finite"});
  }
  SECTION("an Inf norm weight") {
    hf_options o;
    o.edit = [](const std::string& n, std::vector<float>& v) {
      if (n == "model.layers.0.mlp.ffn_sub_norm.weight") v[3] = -k_inf;
    };
    expect_error(convert(o), {"model.layers.0.mlp.ffn_sub_norm.weight", "non-finite"});
  }
  SECTION("an embedding value past the F16 range") {
    hf_options o;
    o.edit = [](const std::string& n, std::vector<float>& v) {
      if (n == "model.embed_tokens.weight") v[5] = 1.0e6f;
    };
    expect_error(convert(o), {"model.embed_tokens.weight", "F16"});
  }
  SECTION("rms_norm_eps: -1") {
    hf_options o;
    o.extra_config = ", \"rms_norm_eps\": -1";
    expect_error(convert(o), {"rms_norm_eps", "-1"});
  }
  SECTION("rope_theta: 0 and 1e39 (inf as f32)") {
    hf_options o;
    o.extra_config = ", \"rope_theta\": 0";
    expect_error(convert(o), {"rope_theta"});
    o.extra_config = ", \"rope_theta\": 1e39";
    expect_error(convert(o), {"rope_theta"});
  }
  SECTION("a good checkpoint converts and runs") {
    const auto r = convert(hf_options{});
    INFO(r.describe());
    REQUIRE(r.exited(0));
    const auto g = run_model(out);
    INFO(g.describe());
    CHECK(g.exited(0));
  }
}

TEST_CASE("llama2c converter: NaN/Inf scales, norms and embeddings are refused", "[robustness][values]") {
  const std::string dir = tt::scratch_dir("values-llama2c");
  const std::string out = dir + "/out.gguf";
  auto convert = [&](const llama2c_files& f) {
    return tt::run_child({convert_exe(), "llama2c-bitnet", f.model, f.tokenizer, "-o", out, "--quiet"});
  };
  const std::size_t emb = 256 + 128 * 4, mats = emb + 32 * 128 * 4;
  SECTION("the scale of attn_q") {
    expect_error(convert(llama2c_model(dir, [&](std::vector<std::uint8_t>& b) { set_f32(b, mats / 4, k_nan); })),
                 {"attn_q", "layer 0", "not finite"});
  }
  SECTION("the embedding") {
    expect_error(convert(llama2c_model(dir, [&](std::vector<std::uint8_t>& b) { set_f32(b, emb / 4 + 300, k_inf); })),
                 {"token embedding", "element 300"});
  }
  SECTION("the final norm") {
    expect_error(convert(llama2c_model(dir, [&](std::vector<std::uint8_t>& b) { set_f32(b, 256 / 4 + 2, k_nan); })),
                 {"final norm"});
  }
  SECTION("a good model converts") {
    const auto r = convert(llama2c_model(dir));
    INFO(r.describe());
    CHECK(r.exited(0));
  }
}

// ---------------------------------------------------------------------------------------------
// Section 5: values checked, precedence clear

TEST_CASE("run: sampler cut-offs outside [0, 1] are usage errors", "[robustness][values]") {
  const std::string dir = tt::scratch_dir("values-sampler");
  const std::string tiny = tiny_model(dir);
  expect_error(run_model(tiny, {"--top-p", "2"}), {"--top-p", "[0, 1]", "'2'"}, 2);
  expect_error(run_model(tiny, {"--min-p", "5"}), {"--min-p", "[0, 1]"}, 2);
  expect_error(run_model(tiny, {"--min-p", "1.5"}), {"--min-p"}, 2);
  const auto ok = run_model(tiny, {"--top-p", "1", "--min-p", "0"});
  INFO(ok.describe());
  CHECK(ok.exited(0));
}

TEST_CASE("run: special token ids outside the vocabulary are refused, naming the key", "[robustness][values]") {
  const std::string dir = tt::scratch_dir("values-ids");
  const std::string tiny = tiny_model(dir);
  const std::string bad = dir + "/ids.gguf";
  for (const char* key : {"tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id", "tokenizer.ggml.eot_token_id"}) {
    DYNAMIC_SECTION(key) {
      rewrite_gguf(tiny, bad, [&](gguf_writer& w) { w.set_u32(key, 300); });
      expect_error(run_model(bad), {key, "300", "outside the vocabulary of 300 tokens"});
      rewrite_gguf(tiny, bad, [&](gguf_writer& w) { w.set_i64(key, -5); });
      expect_error(run_model(bad), {key, "-5"});
    }
  }
  SECTION("-1 and 0xFFFFFFFF mean none") {
    rewrite_gguf(tiny, bad, [&](gguf_writer& w) { w.set_u32("tokenizer.ggml.eot_token_id", 0xffffffffu); });
    const auto r = run_model(bad);
    INFO(r.describe());
    CHECK(r.exited(0));
  }
}

TEST_CASE("run: a tokenizer smaller than the embedding warns and samples only its ids", "[robustness][values]") {
  const std::string dir = tt::scratch_dir("values-vocab");
  const std::string tiny = tiny_model(dir);
  const std::string bad = dir + "/wide.gguf";
  // 212 more embedding (= output, tied) rows than the tokenizer has tokens.
  rewrite_gguf(tiny, bad, {}, [](const std::string& name, tensor_edit& t) {
    if (name != "token_embd.weight") return;
    t.ne[1] = 512;
    const std::size_t old = t.bytes.size();
    t.bytes.resize(512 * 256 * 2);
    for (std::size_t i = old / 2; i < t.bytes.size() / 2; ++i)
      set_f16(t.bytes, i, f32_to_f16((i % 2 ? 1.0f : -1.0f) * 4.0f));
  });
  const auto r = run_model(bad, {"-n", "8"});
  INFO(r.describe());
  CHECK(r.exited(0));
  CHECK(contains(r.err, "the tokenizer has 300 tokens but the model's output has 512 rows"));
}

TEST_CASE("run: a byte token not spelled <0xHH> is refused at load", "[robustness][values]") {
  const std::string dir = tt::scratch_dir("values-byte");
  const std::string tiny = tiny_model(dir);
  const std::string bad = dir + "/byte.gguf";
  // The synthetic vocabulary as SentencePiece, with token 65 a byte token spelled <0xZZ>.
  const gguf_reader r0 = gguf_reader::open(tiny);
  std::vector<std::string> toks;
  for (auto s : r0.get("tokenizer.ggml.tokens").as_strings()) toks.emplace_back(s);
  std::vector<std::int32_t> types = r0.get("tokenizer.ggml.token_type").as_i32s();
  toks[65] = "<0xZZ>";
  types[65] = 6;
  rewrite_gguf(tiny, bad, [&](gguf_writer& w) {
    w.set_string("tokenizer.ggml.model", "llama");
    w.set_strings("tokenizer.ggml.tokens", toks);
    w.set_i32s("tokenizer.ggml.token_type", types);
  });
  expect_error(run_model(bad), {"token 65", "<0xZZ>", "<0xHH>"});
  SECTION("a well-spelled one loads") {
    toks[65] = "<0x4a>";
    rewrite_gguf(tiny, bad, [&](gguf_writer& w) {
      w.set_string("tokenizer.ggml.model", "llama");
      w.set_strings("tokenizer.ggml.tokens", toks);
      w.set_i32s("tokenizer.ggml.token_type", types);
    });
    const auto r = run_model(bad);
    INFO(r.describe());
    CHECK(r.exited(0));
  }
}

TEST_CASE("run: more threads than CPUs warn and are clamped, for generation and bench", "[robustness][values]") {
  cpu_set_t set;
  REQUIRE(sched_getaffinity(0, sizeof set, &set) == 0);
  const int cpus = CPU_COUNT(&set);
  if (cpus >= 1000) return;  // nothing to clamp on a machine of 1000 CPUs or more
  const std::string dir = tt::scratch_dir("values-threads");
  const std::string tiny = tiny_model(dir);
  const std::string warn = "-t 1000 is more than the " + std::to_string(cpus) + " CPUs this process can run on; using " +
                           std::to_string(cpus) + " threads";
  const auto r = run_model(tiny, {"-t", "1000", "--verbose"});
  INFO(r.describe());
  CHECK(r.exited(0));
  CHECK(contains(r.err, warn));
  CHECK(contains(r.err, std::to_string(cpus) + " threads, loaded"));
  const auto b = tt::run_child({run_exe(), "bench", "-m", tiny, "-p", "4", "-n", "2", "-r", "1", "-t", "1000"});
  INFO(b.describe());
  CHECK(b.exited(0));
  CHECK(contains(b.err, warn));
  CHECK(contains(b.out, "| " + std::to_string(cpus) + " | pp4 |"));
}

TEST_CASE("run: an explicit --isa wins over TRITLUT_ISA", "[robustness][values]") {
  const std::string dir = tt::scratch_dir("values-isa");
  const std::string tiny = tiny_model(dir);
  for (const char* env : {"TRITLUT_ISA=bogus", "TRITLUT_ISA=neon_dotprod", "TRITLUT_ISA=avx512_vnni"}) {
    DYNAMIC_SECTION(env) {
      tt::child_options o;
      o.env = {env};
      const auto r = run_model(tiny, {"--isa", "scalar", "--verbose"}, o);
      INFO(r.describe());
      CHECK(r.exited(0));
      CHECK(contains(r.err, "ISA scalar"));
      CHECK(contains(r.err, "--isa scalar overrides " + std::string(env)));
    }
  }
  SECTION("without --isa the environment still decides") {
    tt::child_options o;
    o.env = {"TRITLUT_ISA=scalar"};
    const auto r = run_model(tiny, {"--verbose"}, o);
    INFO(r.describe());
    CHECK(r.exited(0));
    CHECK(contains(r.err, "ISA scalar"));
  }
}

TEST_CASE("chat: a turn too long for the context is refused alone, and the conversation goes on", "[robustness][values]") {
  const std::string dir = tt::scratch_dir("values-chat");
  const std::string tiny = tiny_model(dir);
  std::string longline;
  for (int i = 0; i < 400; ++i) longline += "word ";
  tt::child_options o;
  o.stdin_text = longline + "\nhello\n";
  const auto r = tt::run_child(
      {run_exe(), "-m", tiny, "-cnv", "-c", "96", "-n", "3", "--seed", "1", "--temp", "0", "--verbose"}, o);
  INFO(r.describe());
  CHECK(r.exited(0));
  CHECK(contains(r.err, "but the context has room for 96 more; it was not sent"));
  // The second turn was answered (--verbose prints its timings once) and input ended the chat.
  std::size_t answered = 0;
  for (std::size_t p = r.err.find("| prompt "); p != std::string::npos; p = r.err.find("| prompt ", p + 1)) ++answered;
  CHECK(answered == 1);
  SECTION("a line over the 16 MiB limit is refused the same way") {
    tt::child_options big;
    const std::string path = dir + "/chat.txt";
    tt::write_file(path, std::string((std::size_t(16) << 20) + 10, 'a') + "\nhello\n");
    big.stdin_path = path;
    const auto b = tt::run_child({run_exe(), "-m", tiny, "-cnv", "-n", "3", "--seed", "1", "--verbose"}, big);
    INFO(b.describe());
    CHECK(b.exited(0));
    CHECK(contains(b.err, "this message is longer than 16777216 bytes; it was not sent"));
    CHECK(contains(b.err, "| prompt "));
    CHECK(b.peak_rss_kb < 400 * 1024);
  }
}

TEST_CASE("dummy --vocab: a vocabulary the runner would refuse is refused before a model is written",
          "[robustness][values]") {
  const std::string dir = tt::scratch_dir("values-dummy-vocab");
  const std::string tiny = tiny_model(dir);
  const std::string vocab = dir + "/vocab.gguf", out = dir + "/out.gguf";
  SECTION("a NaN score") {
    rewrite_gguf(tiny, vocab, [](gguf_writer& w) {
      std::vector<float> s(300, -1.0f);
      s[7] = k_nan;
      w.set_f32s("tokenizer.ggml.scores", s);
    });
    expect_error(tt::run_child({convert_exe(), "dummy", "--config", "tiny", "--vocab", vocab, "-o", out, "--quiet"}),
                 {vocab, "tokenizer.ggml.scores[7]"});
  }
  SECTION("an EOS id outside the vocabulary") {
    rewrite_gguf(tiny, vocab, [](gguf_writer& w) { w.set_u32("tokenizer.ggml.eos_token_id", 1000); });
    expect_error(tt::run_child({convert_exe(), "dummy", "--config", "tiny", "--vocab", vocab, "-o", out, "--quiet"}),
                 {"eos_token_id = 1000"});
  }
  CHECK(tt::file_digest(out) == "absent");
}

TEST_CASE("repack: a non-finite ternary scale is refused, naming the tensor", "[robustness][values]") {
  const std::string dir = tt::scratch_dir("values-repack");
  const std::string tiny = tiny_model(dir);
  const std::string bad = dir + "/bad.gguf", out = dir + "/out.gguf";
  rewrite_gguf(tiny, bad, {}, [](const std::string& name, tensor_edit& t) {
    if (name == "blk.1.ffn_up.weight") set_i2s_scale(t, k_nan);
  });
  expect_error(tt::run_child({convert_exe(), "repack", bad, "-o", out, "--format", "tq2_0", "--quiet"}),
               {"blk.1.ffn_up.weight", "non-finite scale"});
  CHECK(tt::file_digest(out) == "absent");
}
