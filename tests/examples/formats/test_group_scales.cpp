// SPDX-License-Identifier: MIT
// tests/examples/formats/test_group_scales.cpp - ternary tensors with a scale per block (TQ1_0,
// TQ2_0 as llama.cpp writes them for non-BitNet models, Q2_0): reading them exactly. The peer files
// hold one tiny Qwen3 as F16 and as llama.cpp 0.7.0 quantized it to TQ2_0, TQ1_0 and Q2_0, losslessly
// (../shared/data/peer-files/README.md): every quantized tensor must dequantize to the F16 values.
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "catch.hpp"
#include "formats/gguf.hpp"
#include "formats/quants.hpp"
#include "support/files.hpp"

using namespace trex;

namespace {

std::string peer(const std::string& f) { return tt::shared("data/peer-files/tiny-qwen3-" + f + ".gguf"); }

}  // namespace

TEST_CASE("group scales: llama.cpp's TQ2_0, TQ1_0 and Q2_0 Qwen3 files dequantize to the F16 file",
          "[quants][groups][shared]") {
  const gguf_reader f16 = gguf_reader::open(peer("f16"));
  for (const std::string fmt : {"tq2_0", "tq1_0", "q2_0"}) {
    INFO("format " << fmt);
    const gguf_reader q = gguf_reader::open(peer(fmt));
    std::size_t n_ternary = 0;
    for (const gguf_tensor& t : q.tensors()) {
      if (!is_ternary(t.type)) continue;
      INFO("tensor " << t.name);
      ++n_ternary;
      CHECK(to_string(t.type) == (fmt == "q2_0" ? std::string("Q2_0") : fmt == "tq2_0" ? "TQ2_0" : "TQ1_0"));
      const std::vector<float> want = dequantize_tensor(f16.tensor(std::string(t.name)));
      CHECK(dequantize_tensor(t) == want);
      // The group view: w * scale of its group is the same value.
      const ternary_groups g = load_ternary_groups(t);
      CHECK(g.group == (fmt == "q2_0" ? 64u : 256u));
      REQUIRE(g.w.size() == want.size());
      REQUIRE(g.scales.size() == want.size() / g.group);
      std::size_t bad = 0;
      for (std::size_t i = 0; i < want.size(); ++i) bad += float(g.w[i]) * g.scales[i / g.group] != want[i];
      CHECK(bad == 0);
    }
    CHECK(n_ternary == 14);  // 7 linears x 2 layers
  }
}

TEST_CASE("group scales: the three containers hold identical ternary values and scales", "[quants][groups][shared]") {
  const gguf_reader tq2 = gguf_reader::open(peer("tq2_0")), tq1 = gguf_reader::open(peer("tq1_0")),
                    q2 = gguf_reader::open(peer("q2_0"));
  for (const gguf_tensor& t : tq2.tensors()) {
    if (!is_ternary(t.type)) continue;
    INFO("tensor " << t.name);
    const ternary_groups a = load_ternary_groups(t);
    const ternary_groups b = load_ternary_groups(tq1.tensor(std::string(t.name)));
    const ternary_groups c = load_ternary_groups(q2.tensor(std::string(t.name)));
    CHECK(a.w == b.w);
    CHECK(a.w == c.w);
    CHECK(a.scales == b.scales);
    // Q2_0's groups of 64: four per TQ block of 256, each with the block's scale.
    REQUIRE(c.scales.size() == 4 * a.scales.size());
    for (std::size_t i = 0; i < c.scales.size(); ++i) CHECK(c.scales[i] == a.scales[i / 4]);
  }
  // One scale per tensor cannot express these: the per-tensor loader says so.
  CHECK_THROWS_WITH(load_ternary(q2.tensor("blk.0.attn_q.weight")),
                    Catch::Matchers::Contains("block scales differ"));
}

TEST_CASE("group scales: a hand-made Q2_0 block (FORMATS.md §5.3)", "[quants][groups]") {
  // d = 0.5 (f16 0x3800), then weight j in byte j/4 at bits 2(j%4): byte 0 = 0b00'10'01'00 holds
  // codes 0, 1, 2, 0 for weights 0..3 = -0.5, 0, +0.5, -0.5; byte 15 = 0x66 = 0b01'10'01'10 holds
  // codes 2, 1, 2, 1 for weights 60..63. Every other byte is 0x55: code 1 = weight 0.
  std::uint8_t blk[18];
  blk[0] = 0x00;
  blk[1] = 0x38;
  std::memset(blk + 2, 0x55, 16);
  blk[2] = 0x24;
  blk[17] = 0x66;
  std::vector<float> v(64);
  dequantize(ggml_type::q2_0, blk, 64, v.data());
  std::vector<float> want(64, 0.0f);
  want[0] = -0.5f;
  want[2] = 0.5f;
  want[3] = -0.5f;
  want[60] = 0.5f;
  want[62] = 0.5f;
  CHECK(v == want);
  CHECK(ggml_block_elems(ggml_type::q2_0) == 64);
  CHECK(ggml_block_bytes(ggml_type::q2_0) == 18);
  CHECK(ggml_type_from_id(42, "t") == ggml_type::q2_0);

  // Code 3 is the weight +2: dequantized as such, +2 in the group view, refused by the per-tensor
  // ternary loader.
  blk[2] = 0x03;  // weight 0 -> code 3
  dequantize(ggml_type::q2_0, blk, 64, v.data());
  CHECK(v[0] == 1.0f);
  std::vector<std::int8_t> w(64);
  CHECK_THROWS_WITH(tq_to_ternary(ggml_type::q2_0, blk, 64, w.data(), nullptr, "blk.0.attn_q.weight"),
                    Catch::Matchers::Contains("tensor 'blk.0.attn_q.weight': Q2_0 block 0 holds code 3 (the weight +2)"));
}
