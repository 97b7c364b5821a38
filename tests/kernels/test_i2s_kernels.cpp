// SPDX-License-Identifier: MIT
#include "catch.hpp"
#include "support/each_isa.hpp"
#include "support/problems.hpp"

namespace {

// One random problem and its oracle, computed once and checked on every available ISA:
// gemm_i32 exactly, gemm (float) bit for bit against ((float)dot / act_scale) * alpha.
void check_problem(std::size_t m, std::size_t k, std::size_t n, std::uint64_t seed) {
  const auto w = tt::random_ternary(m * k, seed);
  const auto mat = tritlut::i2s_matrix::pack(w.data(), m, k, 0.37f);
  const auto a = tt::make_acts(n, k, seed ^ 0x9e3779b97f4a7c15ull);
  const auto want = tt::oracle_dots(w, m, k, a);
  const auto ywant = tt::oracle_floats(want, a, m, 0.37f);

  tt::for_each_isa([&] {
    INFO("m=" << m << " k=" << k << " n=" << n);
    std::vector<std::int32_t> got(n * m, -1);
    tritlut::gemm_i32(mat.view(), a.view(), got.data(), m, 0, m);
    REQUIRE(got == want);
    std::vector<float> y(n * m, -1.0f);
    tritlut::gemm(mat.view(), a.view(), y.data(), m);
    REQUIRE(tt::bits_equal(y, ywant));
  });
}

}  // namespace

TEST_CASE("i2s gemv/gemm: bit-exact against the oracle on every ISA, many shapes", "[i2s][kernel]") {
  // (m, k): odd sizes around the SIMD widths and block sizes, and K up to 16384+.
  const std::size_t shapes[][2] = {{1, 1},     {1, 127},  {3, 128},  {5, 129},  {17, 255},  {33, 256},
                                   {7, 383},   {64, 384}, {9, 640},  {31, 1000}, {65, 2048}, {3, 4097},
                                   {2, 16384}, {3, 16500}, {1, 20000}};
  for (const auto& s : shapes)
    for (std::size_t n : {1, 2, 3, 5, 8}) check_problem(s[0], s[1], n, s[0] * 1000003 + s[1] * 31 + n);
}

TEST_CASE("i2s gemm: batch sizes 1..16 on every ISA", "[i2s][kernel]") {
  for (std::size_t n = 1; n <= 16; ++n) {
    check_problem(37, 1152, n, 77 + n);
    check_problem(16, 640, n, 177 + n);
  }
}

TEST_CASE("i2s gemm: large batches (several token blocks, partial sum groups and output tiles)", "[i2s][kernel]") {
  // Token blocks are 64 tokens, the vectorized sums go 4/8/16 tokens at a time and the outputs
  // 16 rows at a time: odd batch sizes on both sides of each, and M with a partial output tile.
  for (std::size_t n : {17, 23, 40, 63, 64, 65, 100, 130}) check_problem(37, 640, n, 277 + n);
  check_problem(64, 384, 72, 4);
}

TEST_CASE("i2s gemv/gemm: BitNet 2B4T shapes on every ISA", "[i2s][kernel][2b4t]") {
  const std::size_t shapes[][2] = {{2560, 2560}, {640, 2560}, {6912, 2560}, {2560, 6912}};
  for (const auto& s : shapes)
    for (std::size_t n : {1, 5}) check_problem(s[0], s[1], n, s[0] + s[1] + n);
}

TEST_CASE("i2s: worst-case inputs never overflow (all +-1 weights, +-127 activations)", "[i2s][kernel][overflow]") {
  const std::size_t ks[] = {128, 4096, 16384, 65536};
  tt::for_each_isa([&] {
    for (std::size_t k : ks)
      for (int wv : {1, -1})
        for (int qv : {127, -127}) {
          INFO("k=" << k << " w=" << wv << " q=" << qv);
          const std::size_t m = 5;
          std::vector<std::int8_t> w(m * k, static_cast<std::int8_t>(wv));
          const auto mat = tritlut::i2s_matrix::pack(w.data(), m, k, 1.0f);
          for (std::size_t n : {1, 4, 9}) {
            const auto a = tt::constant_acts(n, k, static_cast<std::int8_t>(qv));
            std::vector<std::int32_t> got(n * m);
            tritlut::gemm_i32(mat.view(), a.view(), got.data(), m, 0, m);
            for (auto v : got) REQUIRE(v == std::int32_t(wv) * qv * std::int32_t(k));
          }
        }
  });
}

TEST_CASE("i2s: alternating worst-case patterns", "[i2s][kernel][overflow]") {
  // Weights +1 where activations are +127 and -1 where they are -127: every product is +127.
  const std::size_t m = 3, k = 16384 + 256;
  std::vector<std::int8_t> w(m * k);
  tt::acts a = tt::constant_acts(2, k, 127);
  for (std::size_t j = 0; j < k; ++j) {
    const bool neg = (j / 3) % 2;
    for (std::size_t r = 0; r < m; ++r) w[r * k + j] = neg ? -1 : 1;
    for (std::size_t t = 0; t < 2; ++t) a.q[t * a.stride + j] = neg ? -127 : 127;
  }
  for (std::size_t t = 0; t < 2; ++t) {
    a.sum[t] = 0;
    for (std::size_t j = 0; j < k; ++j) a.sum[t] += a.q[t * a.stride + j];
  }
  const auto mat = tritlut::i2s_matrix::pack(w.data(), m, k, 1.0f);
  tt::for_each_isa([&] {
    std::vector<std::int32_t> got(2 * m);
    tritlut::gemm_i32(mat.view(), a.view(), got.data(), m, 0, m);
    for (auto v : got) CHECK(v == 127 * std::int32_t(k));
  });
}

TEST_CASE("i2s: row ranges compute exactly their rows", "[i2s][kernel]") {
  const std::size_t m = 101, k = 640;
  for (std::size_t n : {1, 3, 70}) {  // 70: two token blocks, output tiles cut by the range
    const auto w = tt::random_ternary(m * k, 5);
    const auto mat = tritlut::i2s_matrix::pack(w.data(), m, k, 1.0f);
    const auto a = tt::make_acts(n, k, 6);
    const auto want = tt::oracle_dots(w, m, k, a);
    tt::for_each_isa([&] {
      INFO("n=" << n);
      std::vector<std::int32_t> got(n * m, 12345);
      tritlut::gemm_i32(mat.view(), a.view(), got.data(), m, 10, 47);
      for (std::size_t t = 0; t < n; ++t)
        for (std::size_t r = 0; r < m; ++r) {
          const bool inside = r >= 10 && r < 47;
          REQUIRE(got[t * m + r] == (inside ? want[t * m + r] : 12345));
        }
    });
  }
}

TEST_CASE("i2s: a zero-copy file view computes the same as the packed matrix", "[i2s][kernel]") {
  const std::size_t m = 48, k = 1280;
  const auto w = tt::random_ternary(m * k, 9);
  std::vector<std::uint8_t> file(tritlut::i2s_file_bytes(m, k));
  tritlut::i2s_pack_file(w.data(), m, k, 0.5f, file.data());
  const auto mat = tritlut::i2s_matrix::from_file(file.data(), file.size(), m, k);
  REQUIRE_FALSE(mat.owns_data());
  const auto a = tt::make_acts(2, k, 10);
  std::vector<std::int32_t> got(2 * m);
  tritlut::gemm_i32(mat.view(), a.view(), got.data(), m, 0, m);
  CHECK(got == tt::oracle_dots(w, m, k, a));
}

TEST_CASE("i2s: quantize + gemv end to end equals the float formula", "[i2s][kernel]") {
  const std::size_t m = 70, k = 900;
  const auto w = tt::random_ternary(m * k, 11);
  const auto mat = tritlut::i2s_matrix::pack(w.data(), m, k, 0.8125f);
  std::mt19937_64 rng(12);
  std::normal_distribution<float> d(0.0f, 2.0f);
  std::vector<float> x(k);
  for (auto& v : x) v = d(rng);
  const auto q = tritlut::quantize(x.data(), 1, k);
  std::vector<float> y(m);
  tritlut::gemv(mat, q, y.data());
  for (std::size_t r = 0; r < m; ++r) {
    std::int64_t dot = 0;
    for (std::size_t j = 0; j < k; ++j) dot += std::int64_t(w[r * k + j]) * q.row(0)[j];
    REQUIRE(y[r] == (float(dot) / q.scale(0)) * 0.8125f);
    // And close to the unquantized product (sanity of the whole pipeline).
    double exact = 0;
    for (std::size_t j = 0; j < k; ++j) exact += double(w[r * k + j]) * x[j] * 0.8125;
    CHECK(std::fabs(y[r] - exact) < 0.05 * std::sqrt(double(k)) + 0.02 * std::fabs(exact));
  }
}

TEST_CASE("i2s: bad shapes are rejected with a clear message", "[i2s][kernel][errors]") {
  const auto w = tt::random_ternary(8 * 256, 1);
  const auto mat = tritlut::i2s_matrix::pack(w.data(), 8, 256, 1.0f);
  const auto a = tt::make_acts(1, 200, 2);
  std::vector<float> y(8);
  CHECK_THROWS_WITH(tritlut::gemm(mat.view(), a.view(), y.data(), 8),
                    Catch::Contains("activations have 200 columns but the matrix has K = 256"));
  const auto b = tt::make_acts(2, 256, 3);
  std::vector<float> y2(16);
  CHECK_THROWS_WITH(tritlut::gemm(mat.view(), b.view(), y2.data(), 8, 3, 9),
                    Catch::Contains("row range [3, 9) outside the matrix's 8 rows"));
  CHECK_THROWS_WITH(tritlut::gemm(mat.view(), b.view(), y2.data(), 4), Catch::Contains("output stride 4"));
  CHECK_THROWS_WITH(tritlut::gemm(mat.view(), b.view(), static_cast<float*>(nullptr), 8), Catch::Contains("null output"));
  const auto q2 = tritlut::quantize(std::vector<float>(512, 1.0f).data(), 2, 256);
  CHECK_THROWS_WITH(tritlut::gemv(mat, q2, y.data()), Catch::Contains("expected one token, got 2"));
}
