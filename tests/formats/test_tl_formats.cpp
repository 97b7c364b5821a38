// SPDX-License-Identifier: MIT
// TL1 / TL2 packing: exhaustive codes, round trips, repacking from I2_S, layout, errors.
#include "catch.hpp"
#include "support/tl_decode.hpp"

namespace {

// Byte column u of row r in a tiled region [tiles][cols][mr].
std::uint8_t tiled(const std::uint8_t* base, std::size_t cols, std::size_t mr, std::size_t r, std::size_t u) {
  return base[((r / mr) * cols + u) * mr + r % mr];
}

}  // namespace

TEST_CASE("tl1: all 81 two-pair bytes have the documented indices and round-trip", "[tl1][format]") {
  // Row r holds the pairs (a, b) with a = r / 9, b = r % 9 enumerating the 9 pairs each.
  const std::size_t m = 81, k = 4;
  std::vector<std::int8_t> w(m * k);
  for (std::size_t r = 0; r < m; ++r) {
    const int a = int(r / 9), b = int(r % 9);
    w[r * k + 0] = static_cast<std::int8_t>(a / 3 - 1);
    w[r * k + 1] = static_cast<std::int8_t>(a % 3 - 1);
    w[r * k + 2] = static_cast<std::int8_t>(b / 3 - 1);
    w[r * k + 3] = static_cast<std::int8_t>(b % 3 - 1);
  }
  for (std::size_t mr : {16, 32, 64, 80, 128}) {
    const auto t = tritlut::tl1_matrix::pack(w.data(), m, k, 1.0f, {mr});
    const auto& v = t.view();
    REQUIRE(v.mr == mr);
    REQUIRE(v.cols == 1);
    REQUIRE(v.tiles == (m + mr - 1) / mr);
    for (std::size_t r = 0; r < m; ++r) {
      const int w0 = w[r * k], w1 = w[r * k + 1], w2 = w[r * k + 2], w3 = w[r * k + 3];
      const std::uint8_t byte = tiled(v.idx, v.cols, mr, r, 0);
      REQUIRE((byte & 15) == 3 * w0 + w1 + 4);  // FORMATS.md 4.2 / paper table 2
      REQUIRE((byte >> 4) == 3 * w2 + w3 + 4);
    }
    // Padding rows are zero pairs (index 4).
    for (std::size_t r = m; r < v.tiles * mr; ++r) REQUIRE(tiled(v.idx, v.cols, mr, r, 0) == 0x44);
    REQUIRE(t.unpack() == w);
  }
}

TEST_CASE("tl2: all 27 x 27 triple pairs have the documented sign and index and round-trip", "[tl2][format]") {
  const std::size_t m = 27 * 27, k = 6;
  std::vector<std::int8_t> w(m * k);
  auto put = [&](std::size_t r, std::size_t off, int code) {  // code 0..26 -> (w0, w1, w2)
    w[r * k + off] = static_cast<std::int8_t>(code / 9 - 1);
    w[r * k + off + 1] = static_cast<std::int8_t>(code / 3 % 3 - 1);
    w[r * k + off + 2] = static_cast<std::int8_t>(code % 3 - 1);
  };
  for (std::size_t r = 0; r < m; ++r) {
    put(r, 0, int(r / 27));
    put(r, 3, int(r % 27));
  }
  for (std::size_t mr : {16, 64, 96}) {
    const auto t = tritlut::tl2_matrix::pack(w.data(), m, k, 1.0f, {mr});
    const auto& v = t.view();
    REQUIRE(v.k3 == 6);
    REQUIRE(v.cols3 == 1);
    REQUIRE(v.groups == 1);
    REQUIRE(v.colst == 0);
    for (std::size_t r = 0; r < m; ++r) {
      const std::uint8_t byte = tiled(v.idx, 1, mr, r, 0), sgn = tiled(v.sign, 1, mr, r, 0);
      int neg = 0;
      for (int j = 0; j < 2; ++j) {
        const int val = 9 * w[r * k + 3 * j] + 3 * w[r * k + 3 * j + 1] + w[r * k + 3 * j + 2];
        INFO("row " << r << " triple " << j << " value " << val);
        REQUIRE(((byte >> (4 * j)) & 15) == std::abs(val));  // FORMATS.md 4.3 / paper table 3
        REQUIRE(((sgn >> j) & 1) == (val < 0 ? 1 : 0));
        neg += val < 0;
      }
      REQUIRE((sgn >> 2) == 0);
      REQUIRE(v.neg[r] == neg);
    }
    REQUIRE(t.unpack() == w);
  }
  // The paper's examples (table 3).
  const std::int8_t ex[6][3] = {{-1, -1, -1}, {-1, -1, 0}, {-1, 0, -1}, {1, 0, 1}, {1, 1, -1}, {0, 0, 0}};
  const int want_s[6] = {1, 1, 1, 0, 0, 0}, want_i[6] = {13, 12, 10, 10, 11, 0};
  for (int e = 0; e < 6; ++e) {
    std::vector<std::int8_t> row(ex[e], ex[e] + 3);
    row.insert(row.end(), {0, 0, 0});
    const auto t = tritlut::tl2_matrix::pack(row.data(), 1, 6, 1.0f);
    CHECK((t.view().idx[0] & 15) == want_i[e]);
    CHECK((t.view().sign[0] & 1) == want_s[e]);
  }
}

TEST_CASE("tl2: K split into triples and a TL1 tail", "[tl2][format]") {
  const std::size_t ks[][3] = {// k, k3, tail columns
                               {1, 0, 1},    {4, 0, 1},      {5, 0, 2},      {6, 6, 0},       {7, 6, 1},
                               {11, 6, 2},   {2560, 2556, 1}, {6912, 6912, 0}, {8640, 8640, 0}, {3200, 3198, 1},
                               {513, 510, 1}, {1001, 996, 2}};
  for (const auto& s : ks) {
    const auto w = tt::random_ternary(3 * s[0], s[0]);
    const auto t = tritlut::tl2_matrix::pack(w.data(), 3, s[0], 1.0f);
    INFO("k = " << s[0]);
    CHECK(t.view().k3 == s[1]);
    CHECK(t.view().colst == s[2]);
    CHECK(t.unpack() == w);
  }
}

TEST_CASE("tl1/tl2: odd shapes round-trip and repack from I2_S identically", "[tl1][tl2][format]") {
  const std::size_t shapes[][2] = {{1, 1},   {1, 2},   {2, 3},    {3, 5},     {17, 7},    {15, 127},
                                   {16, 128}, {33, 129}, {65, 383}, {100, 1000}, {130, 2561}, {7, 8640}};
  for (const auto& s : shapes)
    for (std::size_t mr : {16, 48, 64, 128}) {
      const std::size_t m = s[0], k = s[1];
      INFO("m = " << m << " k = " << k << " mr = " << mr);
      const auto w = tt::random_ternary(m * k, m * 7919 + k);
      const auto t1 = tritlut::tl1_matrix::pack(w.data(), m, k, 0.5f, {mr});
      const auto t2 = tritlut::tl2_matrix::pack(w.data(), m, k, 0.5f, {mr});
      REQUIRE(t1.unpack() == w);
      REQUIRE(t2.unpack() == w);
      // From I2_S (the load-time path): same bytes as packing the ternary values.
      const auto i2 = tritlut::i2s_matrix::pack(w.data(), m, k, 0.5f);
      REQUIRE(tt::decode_i2s(i2.view()) == w);
      const auto f1 = tritlut::tl1_matrix::from_i2s(i2.view(), {mr});
      const auto f2 = tritlut::tl2_matrix::from_i2s(i2.view(), {mr});
      REQUIRE(f1.alpha() == 0.5f);
      REQUIRE(f2.alpha() == 0.5f);
      REQUIRE(std::memcmp(f1.view().idx, t1.view().idx, t1.packed_bytes()) == 0);
      REQUIRE(std::memcmp(f2.view().idx, t2.view().idx, t2.packed_bytes()) == 0);
      REQUIRE(std::memcmp(f2.view().neg, t2.view().neg, t2.view().tiles * mr * 4) == 0);
      REQUIRE(f1.unpack() == w);
      REQUIRE(f2.unpack() == w);
      // Sizes: TL1 2 bits per weight, TL2 about 5/3 (+ tail and padding).
      REQUIRE(t1.packed_bytes() == t1.view().tiles * mr * ((k + 3) / 4));
      REQUIRE(t2.packed_bytes() == t2.view().tiles * mr * (k / 6 + (k / 6 + 3) / 4 + (k - k / 6 * 6 + 3) / 4));
    }
}

TEST_CASE("tl1/tl2: a repacked I2_S file tensor with K % 128 != 0 (3B ffn_down, K = 8640)", "[tl2][format]") {
  const std::size_t m = 16, k = 8640;
  const auto w = tt::random_ternary(m * k, 42);
  std::vector<std::uint8_t> file(tritlut::i2s_file_bytes(m, k));
  tritlut::i2s_pack_file(w.data(), m, k, 2.0f, file.data());
  const auto i2 = tritlut::i2s_matrix::from_file(file.data(), file.size(), m, k);
  CHECK(tritlut::tl2_matrix::from_i2s(i2.view()).unpack() == w);
  CHECK(tritlut::tl1_matrix::from_i2s(i2.view()).unpack() == w);
}

TEST_CASE("tl1/tl2: bad input is rejected with a clear message", "[tl1][tl2][format][errors]") {
  std::vector<std::int8_t> w(4 * 8, 0);
  w[13] = 2;
  CHECK_THROWS_WITH(tritlut::tl1_matrix::pack(w.data(), 4, 8, 1.0f), Catch::Contains("weight 13 is 2, not a ternary value"));
  CHECK_THROWS_WITH(tritlut::tl2_matrix::pack(w.data(), 4, 8, 1.0f), Catch::Contains("weight 13 is 2, not a ternary value"));
  w[13] = 0;
  CHECK_THROWS_WITH(tritlut::tl1_matrix::pack(w.data(), 4, 8, 1.0f, {24}), Catch::Contains("multiple of 16"));
  CHECK_THROWS_WITH(tritlut::tl2_matrix::pack(w.data(), 4, 8, 1.0f, {8}), Catch::Contains("multiple of 16"));
  CHECK_THROWS_WITH(tritlut::tl2_matrix::pack(w.data(), 0, 8, 1.0f), Catch::Contains("empty matrix (0 x 8)"));
  CHECK_THROWS_WITH(tritlut::tl1_matrix::pack(w.data(), 4, 0, 1.0f), Catch::Contains("empty matrix (4 x 0)"));
  CHECK_THROWS_WITH(tritlut::tl2_matrix::from_i2s(tritlut::i2s_view{}), Catch::Contains("not a valid I2_S view"));
}
