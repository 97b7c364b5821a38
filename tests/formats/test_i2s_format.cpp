// SPDX-License-Identifier: MIT
#include "catch.hpp"
#include "support/problems.hpp"

namespace {
// Independent decoder written from FORMATS.md 3.3 (flattened index).
std::int8_t decode_file_weight(const std::vector<std::uint8_t>& bytes, std::size_t n) {
  const std::uint8_t byte = bytes[(n / 128) * 32 + n % 32];
  const unsigned c = (byte >> (6 - 2 * ((n % 128) / 32))) & 3u;
  return c == 3 ? 0 : static_cast<std::int8_t>(int(c) - 1);
}
}  // namespace

TEST_CASE("i2s: the worked example of FORMATS.md 3.2", "[i2s][format]") {
  // w_j = (j mod 3) - 1, so c_j = j mod 3.
  std::vector<std::int8_t> w(128);
  for (int j = 0; j < 128; ++j) w[j] = static_cast<std::int8_t>(j % 3 - 1);
  std::vector<std::uint8_t> bytes(tritlut::i2s_file_bytes(1, 128));
  REQUIRE(bytes.size() == 64);
  tritlut::i2s_pack_file(w.data(), 1, 128, 0.75f, bytes.data());
  CHECK(bytes[0] == 0x24);
  CHECK(bytes[1] == 0x49);
  CHECK(bytes[2] == 0x92);
  CHECK(bytes[3] == 0x24);
  float alpha = 0;
  std::memcpy(&alpha, bytes.data() + 32, 4);
  CHECK(alpha == 0.75f);
  for (std::size_t i = 36; i < 64; ++i) CHECK(bytes[i] == 0);  // padding written as zeros
  // In memory with K % 128 == 0 the matrix is the file bytes themselves.
  auto m = tritlut::i2s_matrix::pack(w.data(), 1, 128, 0.75f);
  CHECK(std::memcmp(m.view().data, bytes.data(), 32) == 0);
}

TEST_CASE("i2s: file pack/unpack round trip and independent decoding", "[i2s][format]") {
  const std::size_t shapes[][2] = {{1, 128}, {3, 256}, {2560, 128}, {8, 8640}, {128, 1}, {64, 6}, {640, 2560}};
  for (const auto& s : shapes) {
    const std::size_t m = s[0], k = s[1];
    INFO("m=" << m << " k=" << k);
    const auto w = tt::random_ternary(m * k, m * 31 + k);
    std::vector<std::uint8_t> bytes(tritlut::i2s_file_bytes(m, k));
    CHECK(bytes.size() == m * k / 4 + 32);
    tritlut::i2s_pack_file(w.data(), m, k, 1.5f, bytes.data());
    bool all_match = true;
    for (std::size_t n = 0; n < m * k; ++n) all_match = all_match && decode_file_weight(bytes, n) == w[n];
    CHECK(all_match);
    std::vector<std::int8_t> back(m * k);
    float alpha = 0;
    tritlut::i2s_unpack_file(bytes.data(), bytes.size(), m, k, back.data(), &alpha);
    CHECK(back == w);
    CHECK(alpha == 1.5f);
    // The in-memory matrix from the file unpacks to the same values (zero-copy or repacked).
    auto mat = tritlut::i2s_matrix::from_file(bytes.data(), bytes.size(), m, k);
    CHECK(mat.unpack() == w);
    CHECK(mat.alpha() == 1.5f);
    CHECK(mat.owns_data() == (k % 128 != 0));
    if (k % 128 == 0) CHECK(mat.view().data == bytes.data());
  }
}

TEST_CASE("i2s: in-memory pack for any shape pads rows with zero weights", "[i2s][format]") {
  const std::size_t shapes[][2] = {{1, 1}, {1, 127}, {7, 129}, {33, 300}, {2, 1000}, {17, 16385}};
  for (const auto& s : shapes) {
    const std::size_t m = s[0], k = s[1];
    INFO("m=" << m << " k=" << k);
    const auto w = tt::random_ternary(m * k, m * 131 + k);
    auto mat = tritlut::i2s_matrix::pack(w.data(), m, k, 2.0f);
    CHECK(mat.view().kp % 128 == 0);
    CHECK(mat.view().kp >= k);
    CHECK(mat.view().kp < k + 128);
    CHECK(mat.unpack() == w);
    // Padding weights decode as 0 (code 1).
    const std::size_t row_bytes = mat.view().kp / 4;
    for (std::size_t r = 0; r < m; ++r)
      for (std::size_t j = k; j < mat.view().kp; ++j) {
        const std::uint8_t byte = mat.view().data[r * row_bytes + (j / 128) * 32 + j % 32];
        REQUIRE(((byte >> (6 - 2 * ((j % 128) / 32))) & 3u) == 1u);
      }
  }
}

TEST_CASE("i2s: code 3 decodes as zero", "[i2s][format]") {
  std::vector<std::uint8_t> bytes(64, 0xFF);  // every code 3
  std::memset(bytes.data() + 32, 0, 32);
  std::vector<std::int8_t> w(128, 5);
  tritlut::i2s_unpack_file(bytes.data(), bytes.size(), 1, 128, w.data(), nullptr);
  for (auto v : w) CHECK(v == 0);
}

TEST_CASE("i2s: bad sizes and values are rejected with a clear message", "[i2s][format][errors]") {
  CHECK_THROWS_WITH(tritlut::i2s_file_bytes(3, 100), Catch::Contains("multiple of 128"));
  CHECK_THROWS_WITH(tritlut::i2s_file_bytes(0, 128), Catch::Contains("empty matrix"));
  CHECK_THROWS_WITH(tritlut::i2s_file_bytes(std::size_t(1) << 40, std::size_t(1) << 30), Catch::Contains("too large"));
  std::vector<std::uint8_t> bytes(64);
  std::vector<std::int8_t> w(128);
  CHECK_THROWS_WITH(tritlut::i2s_unpack_file(bytes.data(), 63, 1, 128, w.data(), nullptr),
                    Catch::Contains("needs 64 bytes, got 63"));
  CHECK_THROWS_WITH(tritlut::i2s_matrix::from_file(bytes.data(), 96, 1, 128), Catch::Contains("needs 64 bytes, got 96"));
  w[77] = 2;
  CHECK_THROWS_WITH(tritlut::i2s_pack_file(w.data(), 1, 128, 1.0f, bytes.data()),
                    Catch::Contains("weight 77 is 2, not a ternary value"));
  CHECK_THROWS_WITH(tritlut::i2s_matrix::pack(w.data(), 1, 128, 1.0f), Catch::Contains("weight 77 is 2"));
  CHECK_THROWS_WITH(tritlut::i2s_matrix::pack(w.data(), 0, 128, 1.0f), Catch::Contains("empty matrix"));
}
