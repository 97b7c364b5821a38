// SPDX-License-Identifier: MIT
// tests/examples/formats/test_quants.cpp - f16/bf16, dequantizers and TQ codecs against the spec's formulas.
#include <cmath>
#include <cstring>
#include <random>

#include "catch.hpp"
#include "common/fp16.hpp"
#include "formats/quants.hpp"

using namespace trex;
using Catch::Matchers::Contains;

TEST_CASE("fp16: exact round trip of every f16 value, RNE rounding", "[quants]") {
  for (std::uint32_t h = 0; h < 0x10000; ++h) {
    const float f = f16_to_f32(static_cast<std::uint16_t>(h));
    if (std::isnan(f)) {
      CHECK(std::isnan(f16_to_f32(f32_to_f16(f))));
      continue;
    }
    REQUIRE(f32_to_f16(f) == h);
  }
  CHECK(f16_to_f32(0x3c00) == 1.0f);
  CHECK(f16_to_f32(0x0001) == std::ldexp(1.0f, -24));
  CHECK(f16_to_f32(0x7bff) == 65504.0f);
  // ties to even: 1 + 2^-11 lies between 1 and 1 + 2^-10
  CHECK(f32_to_f16(1.0f + std::ldexp(1.0f, -11)) == 0x3c00);
  CHECK(f32_to_f16(1.0f + 3 * std::ldexp(1.0f, -11)) == 0x3c02);
  CHECK(f32_to_f16(65520.0f) == 0x7c00);
  CHECK(f32_to_f16(std::ldexp(1.0f, -25)) == 0x0000);
  CHECK(f32_to_f16(std::ldexp(1.5f, -25)) == 0x0001);
  CHECK(bf16_to_f32(0x3f80) == 1.0f);
  CHECK(f32_to_bf16(1.0f + std::ldexp(1.0f, -8)) == 0x3f80);  // tie -> even
  CHECK(f32_to_bf16(1.0f + 3 * std::ldexp(1.0f, -8)) == 0x3f82);
}

TEST_CASE("dequantize: Q8_0 and Q6_K follow the block formulas", "[quants]") {
  std::mt19937 rng(7);
  {
    std::uint8_t blk[34];
    store_u16_le(blk, f32_to_f16(0.5f));
    for (int i = 0; i < 32; ++i) blk[2 + i] = static_cast<std::uint8_t>(i * 7 - 100);
    float y[32];
    dequantize(ggml_type::q8_0, blk, 32, y);
    for (int i = 0; i < 32; ++i) CHECK(y[i] == 0.5f * float(static_cast<std::int8_t>(i * 7 - 100)));
  }
  {
    // Q6_K: build from chosen 6-bit q and scales, FORMATS.md §6 table.
    int q[256];
    for (auto& x : q) x = static_cast<int>(rng() % 64);
    std::int8_t sc[16];
    for (auto& s : sc) s = static_cast<std::int8_t>(static_cast<int>(rng() % 255) - 127);
    std::uint8_t blk[210] = {};
    for (int h = 0; h < 2; ++h) {
      std::uint8_t* ql = blk + 64 * h;
      std::uint8_t* qh = blk + 128 + 32 * h;
      for (int l = 0; l < 32; ++l) {
        const int* e = q + 128 * h;
        ql[l] = static_cast<std::uint8_t>((e[l] & 15) | ((e[l + 64] & 15) << 4));
        ql[l + 32] = static_cast<std::uint8_t>((e[l + 32] & 15) | ((e[l + 96] & 15) << 4));
        qh[l] = static_cast<std::uint8_t>((e[l] >> 4) | ((e[l + 32] >> 4) << 2) | ((e[l + 64] >> 4) << 4) |
                                          ((e[l + 96] >> 4) << 6));
      }
    }
    std::memcpy(blk + 192, sc, 16);
    store_u16_le(blk + 208, f32_to_f16(0.25f));
    float y[256];
    dequantize(ggml_type::q6_k, blk, 256, y);
    for (int i = 0; i < 256; ++i) {
      const int h = i / 128, j = i % 128, l = j % 32, s = l / 16 + 2 * (j / 32);
      REQUIRE(y[i] == 0.25f * float(sc[8 * h + s]) * float(q[i] - 32));
    }
  }
}

TEST_CASE("dequantize: Q4_K scale/min unpacking", "[quants]") {
  // scales 6-bit: sc[j] = j + 1, mins m[j] = 2j (j = 0..7), packed per ggml's get_scale_min_k4.
  std::uint8_t blk[144] = {};
  store_u16_le(blk, f32_to_f16(1.0f));
  store_u16_le(blk + 2, f32_to_f16(0.5f));
  std::uint8_t* s = blk + 4;
  int scv[8], mv[8];
  for (int j = 0; j < 8; ++j) scv[j] = j + 1 + (j >= 4 ? 40 : 0), mv[j] = 2 * j + (j >= 4 ? 33 : 0);
  for (int j = 0; j < 4; ++j) {
    s[j] = static_cast<std::uint8_t>(scv[j] | ((scv[j + 4] >> 4) << 6));
    s[j + 4] = static_cast<std::uint8_t>(mv[j] | ((mv[j + 4] >> 4) << 6));
    s[j + 8] = static_cast<std::uint8_t>((scv[j + 4] & 15) | ((mv[j + 4] & 15) << 4));
  }
  for (int i = 0; i < 128; ++i) blk[16 + i] = static_cast<std::uint8_t>(i * 37);
  float y[256];
  dequantize(ggml_type::q4_k, blk, 256, y);
  for (int i = 0; i < 256; ++i) {
    const int chunk = i / 64, within = i % 64, sub = 2 * chunk + within / 32, l = within % 32;
    const std::uint8_t byte = blk[16 + 32 * chunk + l];
    const int qv = within < 32 ? (byte & 15) : (byte >> 4);
    REQUIRE(y[i] == 1.0f * float(scv[sub]) * float(qv) - 0.5f * float(mv[sub]));
  }
}

TEST_CASE("TQ2_0 / TQ1_0: spec worked examples and lossless round trips", "[quants]") {
  std::int8_t w[256];
  for (int j = 0; j < 256; ++j) w[j] = static_cast<std::int8_t>(j % 3 - 1);  // codes j mod 3
  std::uint8_t t2[66], t1[54];
  ternary_to_tq(ggml_type::tq2_0, w, 256, 1.0f, t2);
  ternary_to_tq(ggml_type::tq1_0, w, 256, 1.0f, t1);
  CHECK(t2[0] == 0x18);  // FORMATS.md §5.1
  CHECK(t2[1] == 0x61);
  CHECK(t2[2] == 0x86);
  CHECK(t2[3] == 0x18);
  CHECK(t1[0] == 0x45);  // FORMATS.md §5.2
  std::int8_t back[256];
  float a = 0;
  tq_to_ternary(ggml_type::tq2_0, t2, 256, back, &a);
  CHECK(std::memcmp(back, w, 256) == 0);
  CHECK(a == 1.0f);
  tq_to_ternary(ggml_type::tq1_0, t1, 256, back, &a);
  CHECK(std::memcmp(back, w, 256) == 0);

  std::mt19937 rng(99);
  std::vector<std::int8_t> big(256 * 8);
  for (auto& x : big) x = static_cast<std::int8_t>(static_cast<int>(rng() % 3) - 1);
  std::fill(big.begin() + 256, big.begin() + 512, 0);  // an all-zero block gets d = 0
  for (ggml_type t : {ggml_type::tq1_0, ggml_type::tq2_0}) {
    std::vector<std::uint8_t> bytes(8 * ggml_block_bytes(t));
    ternary_to_tq(t, big.data(), big.size(), 0.75f, bytes.data());
    std::vector<std::int8_t> out(big.size());
    tq_to_ternary(t, bytes.data(), big.size(), out.data(), &a);
    CHECK(out == big);
    CHECK(a == 0.75f);
    std::vector<float> f(big.size());
    dequantize(t, bytes.data(), big.size(), f.data());
    for (std::size_t i = 0; i < f.size(); ++i) REQUIRE(f[i] == float(big[i]) * 0.75f);
    // unequal block scales are rejected
    store_u16_le(bytes.data() + ggml_block_bytes(t) * 3 + ggml_block_bytes(t) - 2, f32_to_f16(0.5f));
    CHECK_THROWS_WITH(tq_to_ternary(t, bytes.data(), big.size(), out.data(), &a, "w"),
                      Contains("'w'") && Contains("block scales differ"));
  }
}
