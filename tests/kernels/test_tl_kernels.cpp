// SPDX-License-Identifier: MIT
// TL1 / TL2 lookup tables and kernels on every available ISA: bit-identical to an independent
// oracle and to I2_S on the same weights and activations (FORMATS.md 2, the paper's table 7 claim).
#include "catch.hpp"
#include "support/each_isa.hpp"
#include "support/tl_decode.hpp"

namespace {

using tritlut::tl_kind;

struct problem {
  std::size_t m, k;
  std::vector<std::int8_t> w;
  float alpha;
  tritlut::i2s_matrix i2s;
};

problem make_problem(std::size_t m, std::size_t k, std::uint64_t seed) {
  problem p{m, k, tt::random_ternary(m * k, seed), 0.37f, {}};
  p.i2s = tritlut::i2s_matrix::pack(p.w.data(), m, k, p.alpha);
  return p;
}

// For the active ISA: I2_S, TL1 and TL2 (repacked from the I2_S matrix, tile rows mr) give the
// oracle's int32 dots exactly and the same f32 outputs bit for bit.
void check_formats(const problem& p, const tt::acts& a, const std::vector<std::int32_t>& want, std::size_t mr) {
  const std::size_t m = p.m, n = a.n;
  const auto t1 = tritlut::tl1_matrix::from_i2s(p.i2s.view(), {mr});
  const auto t2 = tritlut::tl2_matrix::from_i2s(p.i2s.view(), {mr});
  const tritlut::tl1_lut l1(a.view());
  const tritlut::tl2_lut l2(a.view());

  std::vector<std::int32_t> d_i2s(n * m, -1), d1(n * m, -1), d2(n * m, -1);
  tritlut::gemm_i32(p.i2s.view(), a.view(), d_i2s.data(), m, 0, m);
  tritlut::gemm_i32(t1.view(), l1.view(), d1.data(), m, 0, m);
  tritlut::gemm_i32(t2.view(), l2.view(), d2.data(), m, 0, m);
  REQUIRE(d_i2s == want);
  REQUIRE(d1 == want);
  REQUIRE(d2 == want);

  const auto ywant = tt::oracle_floats(want, a, m, p.alpha);
  std::vector<float> y_i2s(n * m, -1.0f), y1(n * m, -1.0f), y2(n * m, -1.0f);
  tritlut::gemm(p.i2s.view(), a.view(), y_i2s.data(), m);
  tritlut::gemm(t1, l1, y1.data());
  tritlut::gemm(t2, l2, y2.data());
  REQUIRE(tt::bits_equal(y_i2s, ywant));
  REQUIRE(tt::bits_equal(y1, ywant));
  REQUIRE(tt::bits_equal(y2, ywant));
}

void check_problem(std::size_t m, std::size_t k, std::size_t n, std::uint64_t seed, std::size_t mr = 64) {
  const auto p = make_problem(m, k, seed);
  const auto a = tt::make_acts(n, k, seed ^ 0x9e3779b97f4a7c15ull);
  check_formats(p, a, tt::oracle_dots(p.w, m, k, a), mr);
}

}  // namespace

TEST_CASE("tl lut: entries equal the FORMATS.md tables, SIMD == scalar byte for byte", "[tl][lut]") {
  for (std::size_t k : {1, 2, 3, 5, 6, 7, 255, 2560, 2561, 6912}) {
    const auto a = tt::make_acts(3, k, 1000 + k, -128, 127);  // -128 too: external activations
    tritlut::tl1_lut ref1;
    tritlut::tl2_lut ref2;
    {
      tritlut::scoped_isa pin(tritlut::isa_id::scalar);
      ref1.build(a.view());
      ref2.build(a.view());
    }
    auto q = [&](std::size_t t, std::size_t j) -> int { return j < k ? a.q[t * a.stride + j] : 0; };
    const auto& L1 = ref1.view();
    const auto& L2 = ref2.view();
    REQUIRE(L1.items == 2 * ((k + 3) / 4));
    const std::size_t k3 = k / 6 * 6;
    REQUIRE(L2.items == k3 / 3 + 2 * ((k - k3 + 3) / 4));
    for (std::size_t t = 0; t < 3; ++t) {
      for (std::size_t p = 0; p < L1.items; ++p)
        for (int i = 0; i < 16; ++i) {
          const int want = i < 9 ? (i / 3 - 1) * q(t, 2 * p) + (i % 3 - 1) * q(t, 2 * p + 1) : 0;
          REQUIRE(tt::lut_entry(L1, t, p, i) == want);
        }
      for (std::size_t j = 0; j < k3 / 3; ++j)
        for (int i = 0; i < 16; ++i) {
          // Positive-canonical triple with 9*w0 + 3*w1 + w2 = i, found by search.
          int want = 0;
          if (i < 14)
            for (int c = 0; c < 27; ++c) {
              const int w0 = c / 9 - 1, w1 = c / 3 % 3 - 1, w2 = c % 3 - 1;
              if (9 * w0 + 3 * w1 + w2 == i) want = w0 * q(t, 3 * j) + w1 * q(t, 3 * j + 1) + w2 * q(t, 3 * j + 2);
            }
          REQUIRE(tt::lut_entry_split(L2, t, j, i) == want);
        }
      for (std::size_t p = 0; p < L2.items - k3 / 3; ++p)
        for (int i = 0; i < 16; ++i) {
          const int want = i < 9 ? (i / 3 - 1) * q(t, k3 + 2 * p) + (i % 3 - 1) * q(t, k3 + 2 * p + 1) : 0;
          REQUIRE(tt::lut_entry(L2, t, k3 / 3 + p, i) == want);
        }
    }
    tt::for_each_isa([&] {
      INFO("k=" << k);
      const tritlut::tl1_lut s1(a.view());
      const tritlut::tl2_lut s2(a.view());
      REQUIRE(std::memcmp(s1.view().data, L1.data, 3 * ref1.token_bytes()) == 0);
      REQUIRE(std::memcmp(s2.view().data, L2.data, 3 * ref2.token_bytes()) == 0);
      REQUIRE(std::memcmp(s2.view().scale, a.scale.data(), 3 * sizeof(float)) == 0);
    });
  }
}

TEST_CASE("tl gemv/gemm: odd shapes, M and K from 1 to 16384, every ISA", "[tl][kernel]") {
  const std::size_t shapes[][2] = {{1, 1},    {1, 2},    {2, 5},     {3, 6},     {5, 7},     {17, 11},  {16, 64},
                                   {31, 127}, {33, 128}, {64, 129},  {65, 255},  {7, 383},   {97, 640}, {129, 1000},
                                   {3, 2047}, {200, 241}, {2, 16384}, {16384, 3}, {3, 16385}, {1, 513}};
  tt::for_each_isa([&] {
    for (const auto& s : shapes)
      for (std::size_t n : {1, 2, 5}) {
        INFO("m=" << s[0] << " k=" << s[1] << " n=" << n);
        check_problem(s[0], s[1], n, s[0] * 1000003 + s[1] * 31 + n);
      }
  });
}

TEST_CASE("tl gemm: batch sizes 1..16, every ISA", "[tl][kernel]") {
  const auto p = make_problem(70, 1000, 77);
  for (std::size_t n = 1; n <= 16; ++n) {
    const auto a = tt::make_acts(n, p.k, 177 + n);
    const auto want = tt::oracle_dots(p.w, p.m, p.k, a);
    tt::for_each_isa([&] {
      INFO("n=" << n);
      check_formats(p, a, want, 64);
    });
  }
}

TEST_CASE("tl: any tile size mr (multiple of 16) on every ISA, incl. ones narrower than the vector", "[tl][kernel]") {
  const auto p = make_problem(150, 700, 3);
  const auto a = tt::make_acts(5, p.k, 4);
  const auto want = tt::oracle_dots(p.w, p.m, p.k, a);
  tt::for_each_isa([&] {
    for (std::size_t mr : {16, 32, 48, 64, 80, 128, 256}) {
      INFO("mr=" << mr);
      check_formats(p, a, want, mr);
      const auto b = tt::make_acts(1, p.k, 5 + mr);
      check_formats(p, b, tt::oracle_dots(p.w, p.m, p.k, b), mr);
    }
  });
}

TEST_CASE("tl: BitNet 2B4T and 3B shapes, every ISA, equal to I2_S", "[tl][kernel][shapes]") {
  const std::size_t shapes[][2] = {{2560, 2560}, {640, 2560}, {6912, 2560}, {2560, 6912}, {3200, 8640}, {8640, 3200}};
  for (const auto& s : shapes) {
    const auto p = make_problem(s[0], s[1], s[0] + s[1]);
    for (std::size_t n : {1, 3}) {
      const auto a = tt::make_acts(n, p.k, s[0] * 3 + n);
      const auto want = tt::oracle_dots(p.w, p.m, p.k, a);
      tt::for_each_isa([&] {
        INFO("m=" << s[0] << " k=" << s[1] << " n=" << n);
        check_formats(p, a, want, 64);
      });
    }
  }
}

TEST_CASE("tl: worst-case inputs are exact (the int16 overflow proof as a test)", "[tl][kernel][overflow]") {
  for (std::size_t k : {6, 126, 256, 4096, 16384, 16389, 40000}) {
    for (int wv : {1, -1})
      for (int qv : {127, -127, -128}) {
        const std::size_t m = 20;
        std::vector<std::int8_t> w(m * k, static_cast<std::int8_t>(wv));
        const auto t1 = tritlut::tl1_matrix::pack(w.data(), m, k, 1.0f);
        const auto t2 = tritlut::tl2_matrix::pack(w.data(), m, k, 1.0f);
        const auto a = tt::constant_acts(2, k, static_cast<std::int8_t>(qv));
        tt::for_each_isa([&] {
          INFO("k=" << k << " w=" << wv << " q=" << qv);
          const tritlut::tl1_lut l1(a.view());
          const tritlut::tl2_lut l2(a.view());
          std::vector<std::int32_t> d1(2 * m), d2(2 * m);
          tritlut::gemm_i32(t1.view(), l1.view(), d1.data(), m, 0, m);
          tritlut::gemm_i32(t2.view(), l2.view(), d2.data(), m, 0, m);
          for (std::size_t i = 0; i < 2 * m; ++i) {
            REQUIRE(d1[i] == std::int32_t(wv) * qv * std::int32_t(k));
            REQUIRE(d2[i] == std::int32_t(wv) * qv * std::int32_t(k));
          }
        });
      }
  }
}

TEST_CASE("tl1/tl2: the byte sums are exact at their bounds (every activation value, both signs)", "[tl][kernel][overflow]") {
  // Every pair (TL1) or triple (TL2) of a row is the same pattern, so the lookups of a byte-sum group
  // add the same part values: with every activation value c in -128..127 and both signs, the sums
  // reach their extremes. TL1, base 22, 10 lookups per group: (w,0) gives l = -11 (c = -11): -110,
  // (w,w) gives h = -12 (c = -128): -120. TL2, base 28, 8 lookups per sign group: negated (x86)
  // l = -14 and h = -14 give +-112; complemented (NEON) l = 13 gives -112 and h = 14 gives -120.
  const std::size_t m = 32, k = 6 * 44 + 5;  // TL2: 88 triples (22 sign groups) and a 5-weight tail
  for (const tl_kind kind : {tl_kind::tl1, tl_kind::tl2})
    for (int shape = 0; shape < 2; ++shape)
      for (int wv : {1, -1}) {
        const std::size_t item = kind == tl_kind::tl1 ? 2 : 3;
        std::vector<std::int8_t> w(m * k, 0);
        for (std::size_t r = 0; r < m; ++r)
          for (std::size_t j = 0; j < k; ++j)
            if (shape == 1 || j % item == 0) w[r * k + j] = static_cast<std::int8_t>(wv);  // (w,0[,0]) or (w,w[,w])
        const auto t1 = tritlut::tl1_matrix::pack(w.data(), m, k, 1.0f);
        const auto t2 = tritlut::tl2_matrix::pack(w.data(), m, k, 1.0f);
        auto run = [&](const tritlut::act_view& x, std::int32_t* d) {
          if (kind == tl_kind::tl1) tritlut::gemm_i32(t1.view(), tritlut::tl1_lut(x).view(), d, m, 0, m);
          else tritlut::gemm_i32(t2.view(), tritlut::tl2_lut(x).view(), d, m, 0, m);
        };
        std::int64_t per_c = 0;  // dot = per_c * c
        for (std::size_t j = 0; j < k; ++j) per_c += w[j];
        tt::acts a = tt::constant_acts(256, k, 0);
        for (std::size_t t = 0; t < 256; ++t)
          for (std::size_t j = 0; j < k; ++j) a.q[t * a.stride + j] = static_cast<std::int8_t>(int(t) - 128);
        tt::for_each_isa([&] {
          INFO((kind == tl_kind::tl1 ? "tl1" : "tl2") << " shape " << shape << " w=" << wv);
          std::vector<std::int32_t> d(256 * m);
          run(a.view(), d.data());
          for (std::size_t t = 0; t < 256; ++t)
            for (std::size_t r = 0; r < m; ++r) REQUIRE(d[t * m + r] == per_c * (std::int64_t(t) - 128));
          // The single-token (GEMV) path has its own tile shape.
          for (std::size_t t = 0; t < 256; t += 5) {
            const auto all = a.view();
            const tritlut::act_view one{all.q + t * all.stride, all.scale + t, all.sum + t, 1, k, all.stride};
            std::vector<std::int32_t> d1(m);
            run(one, d1.data());
            for (std::size_t r = 0; r < m; ++r) REQUIRE(d1[r] == per_c * (std::int64_t(t) - 128));
          }
        });
      }
}

TEST_CASE("tl: alternating worst-case patterns (every product +127, mixed signs per triple)", "[tl][kernel][overflow]") {
  const std::size_t m = 40, k = 16384 + 257;
  std::vector<std::int8_t> w(m * k);
  tt::acts a = tt::constant_acts(3, k, 127);
  for (std::size_t j = 0; j < k; ++j) {
    const bool neg = ((j / 3) + (j % 3 == 1)) % 2;  // varies inside triples and between them
    for (std::size_t r = 0; r < m; ++r) w[r * k + j] = neg ? -1 : 1;
    for (std::size_t t = 0; t < 3; ++t) a.q[t * a.stride + j] = neg ? -127 : 127;
  }
  const auto p_i2s = tritlut::i2s_matrix::pack(w.data(), m, k, 1.0f);
  const auto t1 = tritlut::tl1_matrix::pack(w.data(), m, k, 1.0f);
  const auto t2 = tritlut::tl2_matrix::pack(w.data(), m, k, 1.0f);
  tt::for_each_isa([&] {
    const tritlut::tl1_lut l1(a.view());
    const tritlut::tl2_lut l2(a.view());
    std::vector<std::int32_t> d1(3 * m), d2(3 * m);
    tritlut::gemm_i32(t1.view(), l1.view(), d1.data(), m, 0, m);
    tritlut::gemm_i32(t2.view(), l2.view(), d2.data(), m, 0, m);
    for (std::size_t i = 0; i < 3 * m; ++i) {
      REQUIRE(d1[i] == 127 * std::int32_t(k));
      REQUIRE(d2[i] == 127 * std::int32_t(k));
    }
  });
}

TEST_CASE("tl: row ranges compute exactly their rows, and a thread pool equals one thread", "[tl][kernel]") {
  const auto p = make_problem(301, 777, 8);
  const auto a = tt::make_acts(3, p.k, 9);
  const auto want = tt::oracle_dots(p.w, p.m, p.k, a);
  const auto t1 = tritlut::tl1_matrix::from_i2s(p.i2s.view());
  const auto t2 = tritlut::tl2_matrix::from_i2s(p.i2s.view());
  tritlut::thread_pool pool(3);
  tt::for_each_isa([&] {
    const tritlut::tl1_lut l1(a.view());
    const tritlut::tl2_lut l2(a.view());
    for (auto [r0, r1] : {std::pair<std::size_t, std::size_t>{10, 47}, {64, 128}, {0, 1}, {300, 301}, {5, 5}}) {
      INFO("rows " << r0 << ".." << r1);
      std::vector<std::int32_t> d1(3 * p.m, 12345), d2(3 * p.m, 12345);
      tritlut::gemm_i32(t1.view(), l1.view(), d1.data(), p.m, r0, r1);
      tritlut::gemm_i32(t2.view(), l2.view(), d2.data(), p.m, r0, r1);
      for (std::size_t t = 0; t < 3; ++t)
        for (std::size_t r = 0; r < p.m; ++r) {
          const bool inside = r >= r0 && r < r1;
          REQUIRE(d1[t * p.m + r] == (inside ? want[t * p.m + r] : 12345));
          REQUIRE(d2[t * p.m + r] == (inside ? want[t * p.m + r] : 12345));
        }
    }
    const auto ywant = tt::oracle_floats(want, a, p.m, p.alpha);
    std::vector<float> y1(3 * p.m), y2(3 * p.m);
    tritlut::gemm(pool, t1, l1, y1.data());
    tritlut::gemm(pool, t2, l2, y2.data());
    REQUIRE(tt::bits_equal(y1, ywant));
    REQUIRE(tt::bits_equal(y2, ywant));
  });
}

TEST_CASE("tl: one LUT shared by several matrices (Q/K/V), quantizer end to end", "[tl][kernel]") {
  const std::size_t k = 960, n = 2;
  std::mt19937_64 rng(21);
  std::normal_distribution<float> d(0.0f, 1.5f);
  std::vector<float> x(n * k);
  for (auto& v : x) v = d(rng);
  const auto q = tritlut::quantize(x.data(), n, k);
  const tritlut::tl2_lut lut(q.view());
  for (std::size_t m : {960, 320, 321}) {
    const auto p = make_problem(m, k, m);
    const auto t2 = tritlut::tl2_matrix::from_i2s(p.i2s.view());
    std::vector<float> y(n * m), y_i2s(n * m), y_direct(n * m);
    tritlut::gemm(t2, lut, y.data());
    tritlut::gemm(p.i2s, q, y_i2s.data());
    tritlut::gemm(t2, q, y_direct.data());
    CHECK(tt::bits_equal(y, y_i2s));
    CHECK(tt::bits_equal(y_direct, y_i2s));
  }
  const auto p = make_problem(33, k, 1);
  const auto t1 = tritlut::tl1_matrix::from_i2s(p.i2s.view());
  const auto q1 = tritlut::quantize(x.data(), 1, k);
  std::vector<float> y(33), y_i2s(33);
  tritlut::gemv(t1, q1, y.data());
  tritlut::gemv(p.i2s, q1, y_i2s.data());
  CHECK(tt::bits_equal(y, y_i2s));
}

TEST_CASE("tl: bad calls are rejected with a clear message", "[tl][kernel][errors]") {
  const auto p = make_problem(8, 256, 1);
  const auto t1 = tritlut::tl1_matrix::from_i2s(p.i2s.view());
  const auto t2 = tritlut::tl2_matrix::from_i2s(p.i2s.view());
  const auto a = tt::make_acts(2, 256, 2);
  const auto b = tt::make_acts(1, 200, 3);
  const tritlut::tl1_lut l1(a.view());
  const tritlut::tl2_lut l2(a.view());
  const tritlut::tl2_lut l2b(b.view());
  std::vector<float> y(16);
  // Tables of the wrong kind do not compile (tests/api/compile_fail); a view filled by hand with
  // the other kind's tables is still caught at run time.
  const tritlut::tl1_lut_view l2_as_1{l2.view()};
  const tritlut::tl2_lut_view l1_as_2{l1.view()};
  CHECK_THROWS_WITH(tritlut::gemm(t1.view(), l2_as_1, y.data(), 8),
                    Catch::Contains("lookup tables were built for tl2, the matrix is tl1"));
  CHECK_THROWS_WITH(tritlut::gemm(t2.view(), l1_as_2, y.data(), 8),
                    Catch::Contains("lookup tables were built for tl1, the matrix is tl2"));
  CHECK_THROWS_WITH(tritlut::gemm(t2.view(), l2b.view(), y.data(), 8),
                    Catch::Contains("lookup tables have 200 columns but the matrix has K = 256"));
  CHECK_THROWS_WITH(tritlut::gemm(t2.view(), l2.view(), y.data(), 8, 3, 9),
                    Catch::Contains("row range [3, 9) outside the matrix's 8 rows"));
  CHECK_THROWS_WITH(tritlut::gemm(t1.view(), l1.view(), y.data(), 4), Catch::Contains("output stride 4"));
  CHECK_THROWS_WITH(tritlut::gemm(t1.view(), l1.view(), static_cast<float*>(nullptr), 8), Catch::Contains("null output"));
  CHECK_THROWS_WITH(tritlut::gemm(tritlut::tl2_view{}, l2.view(), y.data(), 8), Catch::Contains("not a packed matrix"));
  CHECK_THROWS_WITH(tritlut::gemv(t2, l2, y.data()), Catch::Contains("expected one token, got 2"));
  CHECK_THROWS_WITH(tritlut::tl2_lut(tritlut::act_view{}), Catch::Contains("tl2 lut: empty activations"));
  CHECK_THROWS_WITH(tritlut::gemm(t1.view(), tritlut::tl1_lut_view{}, y.data(), 8), Catch::Contains("empty lookup tables"));
}
