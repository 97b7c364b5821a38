// SPDX-License-Identifier: MIT
// Group-scaled I2_S (i2s_group_matrix, kernels/i2s_group.hpp) on every available ISA: close to an
// independent double-precision oracle, equal bit for bit to this file's own float evaluation of
// the documented order (docs/kernels.md, "Group-scaled I2_S") and to the scalar tier, for every
// group size, odd shapes and batches 1..17; code 3 (+2) exact; bad arguments rejected.
#include <algorithm>
#include <cmath>
#include <limits>

#include <tritlut/kernels/reference.hpp>

#include "catch.hpp"
#include "support/each_isa.hpp"
#include "support/problems.hpp"

namespace {

// Weights in {-1, 0, 1} (or {-1, 0, 1, 2} with `two`), scales of both signs and wide magnitudes.
struct gproblem {
  std::size_t m, k, group;
  std::vector<std::int8_t> w;
  std::vector<float> d;  // [m][k / group]
};

gproblem make_gproblem(std::size_t m, std::size_t k, std::size_t group, std::uint64_t seed, bool two = false) {
  std::mt19937_64 rng(seed);
  gproblem p{m, k, group, std::vector<std::int8_t>(m * k), std::vector<float>(m * (k / group))};
  for (auto& v : p.w) v = static_cast<std::int8_t>(int(rng() % (two ? 4 : 3)) - 1);
  std::uniform_real_distribution<float> mag(-6.0f, 2.0f);
  // Full 24-bit mantissas: products d * dot are then inexact in float, so a fused multiply-add
  // (one rounding instead of two) gives different bits and the bit-identity checks see it.
  for (auto& v : p.d)
    v = std::ldexp(1.0f + float(rng() % (1u << 23)) / float(1u << 23), int(mag(rng))) * ((rng() & 1) ? -1.0f : 1.0f);
  return p;
}

// y in double, and the sum of |terms| that bounds the float error.
struct oracle {
  std::vector<double> y, mag;
};
oracle double_oracle(const gproblem& p, const tt::acts& a) {
  oracle o{std::vector<double>(a.n * p.m), std::vector<double>(a.n * p.m)};
  const std::size_t groups = p.k / p.group;
  for (std::size_t t = 0; t < a.n; ++t)
    for (std::size_t r = 0; r < p.m; ++r) {
      double y = 0, mag = 0;
      for (std::size_t g = 0; g < groups; ++g) {
        std::int64_t dot = 0;
        for (std::size_t j = g * p.group; j < (g + 1) * p.group; ++j)
          dot += std::int64_t(p.w[r * p.k + j]) * a.q[t * a.stride + j];
        y += double(p.d[r * groups + g]) * double(dot);
        mag += std::fabs(double(p.d[r * groups + g]) * double(dot));
      }
      o.y[t * p.m + r] = y / a.scale[t];
      o.mag[t * p.m + r] = mag / a.scale[t];
    }
  return o;
}

// The documented float order, written here from docs/kernels.md: group g into lane g % 8, product
// rounded to float before the add (volatile: no contraction into an FMA), lanes combined as
// ((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7)), then one division by act_scale.
std::vector<float> documented_order(const gproblem& p, const tt::acts& a) {
  std::vector<float> y(a.n * p.m);
  const std::size_t groups = p.k / p.group;
  for (std::size_t t = 0; t < a.n; ++t)
    for (std::size_t r = 0; r < p.m; ++r) {
      float l[8] = {};
      for (std::size_t g = 0; g < groups; ++g) {
        std::int32_t dot = 0;
        for (std::size_t j = g * p.group; j < (g + 1) * p.group; ++j) dot += p.w[r * p.k + j] * a.q[t * a.stride + j];
        volatile float prod = p.d[r * groups + g] * float(dot);
        l[g % 8] = l[g % 8] + prod;
      }
      const float s = ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7]));
      y[t * p.m + r] = s / a.scale[t];
    }
  return y;
}

std::vector<float> run(const tritlut::i2s_group_matrix& W, const tt::acts& a) {
  std::vector<float> y(a.n * W.rows(), -7.0f);
  tritlut::gemm(W.view(), a.view(), y, W.rows());
  return y;
}

// Every ISA: equal to the scalar tier and to documented_order bit for bit; the scalar tier within
// the float error bound of the double oracle: (groups / 8 + 5) roundings of 2^-24 (lane sums,
// tree, division) on the sum of |terms|, doubled.
void check_all_isas(const gproblem& p, const tt::acts& a) {
  const auto W = tritlut::i2s_group_matrix::pack(p.w.data(), p.m, p.k, p.group, p.d.data());
  std::vector<float> ys;
  {
    tritlut::scoped_isa pin(tritlut::isa_id::scalar);
    ys = run(W, a);
  }
  const auto want = documented_order(p, a);
  INFO("m " << p.m << " k " << p.k << " group " << p.group << " tokens " << a.n);
  REQUIRE(tt::bits_equal(ys, want));
  std::vector<float> yref(a.n * p.m);  // the library's scalar oracle states the same order
  tritlut::ref::gemm_group(p.w.data(), p.m, p.k, p.group, p.d.data(), a.q.data(), a.stride, a.scale.data(), a.n,
                           yref.data());
  REQUIRE(tt::bits_equal(yref, want));
  const oracle o = double_oracle(p, a);
  const double eps = 2.0 * (double(p.k / p.group) / 8 + 5) * std::ldexp(1.0, -24);
  for (std::size_t i = 0; i < ys.size(); ++i) {
    INFO("output " << i << " got " << ys[i] << " double " << o.y[i]);
    REQUIRE(std::fabs(double(ys[i]) - o.y[i]) <= eps * o.mag[i] + 1e-30);
  }
  tt::for_each_isa([&] {
    REQUIRE(tt::bits_equal(run(W, a), ys));
  });
}

}  // namespace

TEST_CASE("group: every ISA bit-identical to the scalar tier and the documented order, every group size",
          "[group][kernel]") {
  // k: not a multiple of 128 where the group allows it (the last block half padding), several
  // groups per 8-lane round and a partial round; m odd; tokens 1..17 (GEMV, GEMM tiles and tails).
  struct shape {
    std::size_t m, k, group;
  };
  const shape shapes[] = {{7, 96, 32},    {5, 160, 32},  {33, 1056, 32}, {9, 192, 64},   {3, 64, 64},
                          {17, 1088, 64}, {11, 640, 128}, {2, 128, 128}, {13, 1152, 128}, {5, 768, 256},
                          {19, 2304, 256}, {3, 512, 512}, {9, 4608, 512}, {1, 2560, 64}};
  std::uint64_t seed = 1;
  for (const auto& s : shapes) {
    const auto p = make_gproblem(s.m, s.k, s.group, seed++);
    for (std::size_t n : {1, 2, 4, 5, 17}) check_all_isas(p, tt::make_acts(n, s.k, seed++));
  }
  const auto p = make_gproblem(21, 576, 64, 99);
  for (std::size_t n = 1; n <= 17; ++n) check_all_isas(p, tt::make_acts(n, 576, 1000 + n));
}

TEST_CASE("group: code 3 (+2, Q2_0's fourth level) is exact, worst cases do not overflow", "[group][kernel][overflow]") {
  SECTION("random weights in {-1, 0, 1, 2}") {
    for (std::size_t g : {32, 64, 128, 256, 512}) {
      const auto p = make_gproblem(6, 4 * g, g, 500 + g, /*two=*/true);
      REQUIRE(std::count(p.w.begin(), p.w.end(), 2) > 0);
      for (std::size_t n : {1, 6}) check_all_isas(p, tt::make_acts(n, p.k, 600 + g + n));
    }
  }
  SECTION("all weights +2 or -1 against activations +-127 and -128: exact in every int16 lane") {
    // The largest group holds 32 madd calls per int16 lane on 16-byte vectors: 32 * 2 * 2 * 128 =
    // 16384 (w = 2) and 32 * 2 * 3 * 128 = 24576 for the unsigned codes. Scales 1 and act_scale 1:
    // every output is an exact integer below 2^24.
    for (std::size_t g : {32, 64, 128, 256, 512}) {
      const std::size_t k = 8 * g > 4096 ? 4096 : 8 * g, m = 3;
      for (int wv : {2, -1}) {
        for (int qv : {127, -127, -128}) {
          gproblem p{m, k, g, std::vector<std::int8_t>(m * k, static_cast<std::int8_t>(wv)),
                     std::vector<float>(m * (k / g), 1.0f)};
          const auto a = tt::constant_acts(2, k, static_cast<std::int8_t>(qv));
          const auto W = tritlut::i2s_group_matrix::pack(p.w.data(), m, k, g, p.d.data());
          const float expect = float(std::int64_t(wv) * qv * std::int64_t(k));
          tt::for_each_isa([&] {
            INFO("group " << g << " w " << wv << " q " << qv);
            const auto y = run(W, a);
            for (float v : y) REQUIRE(v == expect);
          });
        }
      }
    }
  }
  SECTION("unpack gives the values back, codes in the I2_S block layout") {
    const auto p = make_gproblem(3, 192, 64, 7, true);
    const auto W = tritlut::i2s_group_matrix::pack(p.w.data(), 3, 192, 64, p.d.data());
    REQUIRE(W.unpack() == p.w);
    // FORMATS.md 3.2: weight j of a row at byte (j / 128) * 32 + j % 32, bits 7 - 2 * ((j % 128) / 32).
    const auto& v = W.view();
    REQUIRE(v.kp == 256);
    for (std::size_t r = 0; r < 3; ++r)
      for (std::size_t j = 0; j < 256; ++j) {
        const int c = (v.data[r * 64 + (j / 128) * 32 + j % 32] >> (6 - 2 * int((j % 128) / 32))) & 3;
        REQUIRE(c == (j < 192 ? p.w[r * 192 + j] + 1 : 1));  // padding: code 1 (zero)
      }
    REQUIRE(W.groups() == 3);
    REQUIRE(std::memcmp(W.scales(), p.d.data(), p.d.size() * sizeof(float)) == 0);
    REQUIRE(W.packed_bytes() == 3 * 64 + 3 * 3 * 4);
    REQUIRE(tritlut::i2s_group_matrix::storage_bytes_for(3, 192, 64) == W.storage_bytes());
  }
}

TEST_CASE("group: owner entry points, row ranges, thread pool equal to one thread", "[group][kernel]") {
  const auto p = make_gproblem(301, 1024, 128, 31);
  const auto W = tritlut::i2s_group_matrix::pack(p.w.data(), p.m, p.k, p.group, p.d.data());
  std::mt19937_64 rng(3);
  std::normal_distribution<float> nd(0.0f, 1.0f);
  std::vector<float> x(9 * p.k);
  for (auto& v : x) v = nd(rng);
  tritlut::thread_pool pool(3);
  tt::for_each_isa([&] {
    for (std::size_t n : {1, 9}) {
      const auto q = tritlut::quantize(x.data(), n, p.k);
      std::vector<float> y1(n * p.m), yp(n * p.m), yv(n * p.m);
      tritlut::gemm(W, q, y1);
      tritlut::gemm(pool, W, q, yp);
      REQUIRE(tt::bits_equal(y1, yp));
      tritlut::gemm(W.view(), q.view(), yv.data(), p.m);
      REQUIRE(tt::bits_equal(y1, yv));
      if (n == 1) {
        std::vector<float> g1(p.m), gp(p.m);
        tritlut::gemv(W, q, g1);
        tritlut::gemv(pool, W, q, gp.data());
        REQUIRE(tt::bits_equal(g1, y1));
        REQUIRE(tt::bits_equal(gp, y1));
      }
      for (auto [r0, r1] : {std::pair<std::size_t, std::size_t>{10, 47}, {0, 1}, {300, 301}, {5, 5}, {16, 300}}) {
        INFO("rows " << r0 << ".." << r1 << " tokens " << n);
        std::vector<float> yr(n * p.m, 12345.0f);
        tritlut::gemm(W.view(), q.view(), yr, p.m, r0, r1);
        for (std::size_t i = 0; i < yr.size(); ++i) {
          const std::size_t r = i % p.m;
          if (r >= r0 && r < r1) REQUIRE(std::memcmp(&yr[i], &y1[i], sizeof(float)) == 0);
          else REQUIRE(yr[i] == 12345.0f);
        }
      }
    }
  });
}

TEST_CASE("group: bad arguments are rejected with a clear message", "[group][kernel][errors]") {
  using tritlut::i2s_group_matrix;
  const auto p = make_gproblem(4, 256, 64, 5);
  const std::int8_t* w = p.w.data();
  const float* d = p.d.data();
  CHECK_THROWS_WITH(i2s_group_matrix::pack(w, 4, 256, 48, d), Catch::Contains("group size 48 is not supported"));
  CHECK_THROWS_WITH(i2s_group_matrix::pack(w, 4, 256, 1024, d), Catch::Contains("group size 1024 is not supported"));
  CHECK_THROWS_WITH(i2s_group_matrix::pack(w, 4, 200, 64, d),
                    Catch::Contains("K = 200 is not a multiple of the group size 64"));
  CHECK_THROWS_WITH(i2s_group_matrix::pack(nullptr, 4, 256, 64, d), Catch::Contains("weights is null"));
  CHECK_THROWS_WITH(i2s_group_matrix::pack(w, 4, 256, 64, nullptr), Catch::Contains("scales is null"));
  CHECK_THROWS_WITH(i2s_group_matrix::pack(w, 0, 256, 64, d), Catch::Contains("empty matrix (0 x 256)"));
  CHECK_THROWS_WITH(i2s_group_matrix::storage_bytes_for(1, 32 * 4097, 32), Catch::Contains("4097 groups per row"));
  std::vector<std::int8_t> bad(p.w);
  bad[77] = 3;
  CHECK_THROWS_WITH(i2s_group_matrix::pack(bad.data(), 4, 256, 64, d),
                    Catch::Contains("weight 77 is 3, not in {-1, 0, 1, 2}"));
  bad[77] = -2;
  CHECK_THROWS_WITH(i2s_group_matrix::pack(bad.data(), 4, 256, 64, d), Catch::Contains("weight 77 is -2"));

  const auto W = i2s_group_matrix::pack(w, 4, 256, 64, d);
  const auto a = tt::make_acts(2, 256, 2);
  const auto b = tt::make_acts(1, 200, 3);
  std::vector<float> y(8);
  std::vector<std::int32_t> yi(8);
  CHECK_THROWS_WITH(tritlut::gemm(W.view(), b.view(), y.data(), 4),
                    Catch::Contains("i2s_group gemm: activations have 200 columns but the matrix has K = 256"));
  CHECK_THROWS_WITH(tritlut::gemm(W.view(), a.view(), y.data(), 4, 2, 5),
                    Catch::Contains("row range [2, 5) outside the matrix's 4 rows"));
  CHECK_THROWS_WITH(tritlut::gemm(W.view(), a.view(), static_cast<float*>(nullptr), 4), Catch::Contains("null output"));
  CHECK_THROWS_WITH(tritlut::gemm(W.view(), a.view(), tritlut::out_span<float>(y.data(), 7), 4),
                    Catch::Contains("output holds 7 elements, needs 8"));
  CHECK_THROWS_WITH(tritlut::gemm(W.view(), a.view(), y.data(), 3), Catch::Contains("output stride 3"));
  CHECK_THROWS_WITH(tritlut::gemm_i32(W.view(), a.view(), yi.data(), 4),
                    Catch::Contains("i2s_group gemm_i32: a group-scaled matrix has one integer dot per group"));
  CHECK_THROWS_WITH(tritlut::gemm(tritlut::i2s_group_view{}, a.view(), y.data(), 4),
                    Catch::Contains("not a group-scaled matrix"));
  i2s_group_matrix moved = i2s_group_matrix::pack(w, 4, 256, 64, d);
  const i2s_group_matrix taken = std::move(moved);
  const auto q1 = tritlut::quantize(std::vector<float>(256, 0.5f).data(), 1, 256);
  CHECK_THROWS_WITH(tritlut::gemv(moved, q1, y.data()), Catch::Contains("not a group-scaled matrix"));
  CHECK_NOTHROW(tritlut::gemv(taken, q1, y.data()));
  const auto q2 = tritlut::quantize(std::vector<float>(512, 0.5f).data(), 2, 256);
  CHECK_THROWS_WITH(tritlut::gemv(W, q2, y.data()), Catch::Contains("expected one token, got 2"));
  // A view filled by hand whose group fields disagree with K.
  tritlut::i2s_group_view v = W.view();
  v.groups = 5;
  CHECK_THROWS_WITH(tritlut::gemm(v, a.view(), y.data(), 4), Catch::Contains("group size 64 with 5 groups does not fit K = 256"));
  v = W.view();
  v.group = 96;
  CHECK_THROWS_WITH(tritlut::gemm(v, a.view(), y.data(), 4), Catch::Contains("group size 96"));
  v = W.view();
  v.scale = nullptr;
  CHECK_THROWS_WITH(tritlut::gemm(v, a.view(), y.data(), 4), Catch::Contains("no scales"));
}

// ---- Per-group activation scales (act_group_q8, quantize_groups) ----

namespace {

// Activations with one scale per group, made here (not by quantize_groups): q uniform in
// [-127, 127], scales spread over decades.
struct gacts {
  std::size_t n, k, stride, group, groups;
  std::vector<std::int8_t> q;
  std::vector<float> s;  // [n][groups]
  tritlut::act_group_view view() const { return {q.data(), s.data(), n, k, stride, group, groups}; }
};
gacts make_gacts(std::size_t n, std::size_t k, std::size_t group, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  gacts a{n, k, tritlut::act_stride(k), group, k / group, std::vector<std::int8_t>(n * tritlut::act_stride(k), 0),
          std::vector<float>(n * (k / group))};
  for (std::size_t t = 0; t < n; ++t)
    for (std::size_t j = 0; j < k; ++j) a.q[t * a.stride + j] = static_cast<std::int8_t>(int(rng() % 255) - 127);
  for (auto& v : a.s) v = std::ldexp(1.0f + float(rng() % (1u << 23)) / float(1u << 23), int(rng() % 12) - 2);
  return a;
}

// The documented order with per-group activation scales: lane g % 8 += (d * dot) / s_g, the
// product and the quotient each rounded to float; the lanes combined as before; no final division.
std::vector<float> documented_order_ga(const gproblem& p, const gacts& a) {
  std::vector<float> y(a.n * p.m);
  const std::size_t groups = p.k / p.group;
  for (std::size_t t = 0; t < a.n; ++t)
    for (std::size_t r = 0; r < p.m; ++r) {
      float l[8] = {};
      for (std::size_t g = 0; g < groups; ++g) {
        std::int32_t dot = 0;
        for (std::size_t j = g * p.group; j < (g + 1) * p.group; ++j) dot += p.w[r * p.k + j] * a.q[t * a.stride + j];
        volatile float prod = p.d[r * groups + g] * float(dot);
        volatile float quot = prod / a.s[t * groups + g];
        l[g % 8] = l[g % 8] + quot;
      }
      y[t * p.m + r] = ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7]));
    }
  return y;
}

void check_all_isas_ga(const gproblem& p, const gacts& a) {
  const auto W = tritlut::i2s_group_matrix::pack(p.w.data(), p.m, p.k, p.group, p.d.data());
  auto run_ga = [&] {
    std::vector<float> y(a.n * p.m, -7.0f);
    tritlut::gemm(W.view(), a.view(), y, p.m);
    return y;
  };
  std::vector<float> ys;
  {
    tritlut::scoped_isa pin(tritlut::isa_id::scalar);
    ys = run_ga();
  }
  INFO("m " << p.m << " k " << p.k << " group " << p.group << " tokens " << a.n);
  REQUIRE(tt::bits_equal(ys, documented_order_ga(p, a)));
  std::vector<float> yref(a.n * p.m);
  tritlut::ref::gemm_group_ga(p.w.data(), p.m, p.k, p.group, p.d.data(), a.q.data(), a.stride, a.s.data(), a.n,
                              yref.data());
  REQUIRE(tt::bits_equal(yref, ys));
  const std::size_t groups = p.k / p.group;
  const double eps = 2.0 * (double(groups) / 8 + 5) * std::ldexp(1.0, -24);
  for (std::size_t t = 0; t < a.n; ++t)
    for (std::size_t r = 0; r < p.m; ++r) {
      double y = 0, mag = 0;
      for (std::size_t g = 0; g < groups; ++g) {
        std::int64_t dot = 0;
        for (std::size_t j = g * p.group; j < (g + 1) * p.group; ++j)
          dot += std::int64_t(p.w[r * p.k + j]) * a.q[t * a.stride + j];
        const double term = double(p.d[r * groups + g]) * double(dot) / double(a.s[t * groups + g]);
        y += term;
        mag += std::fabs(term);
      }
      INFO("token " << t << " row " << r);
      REQUIRE(std::fabs(double(ys[t * p.m + r]) - y) <= eps * mag + 1e-30);
    }
  tt::for_each_isa([&] {
    REQUIRE(tt::bits_equal(run_ga(), ys));
  });
}

}  // namespace

TEST_CASE("group, per-group activation scales: every ISA bit-identical, close to double", "[group][kernel][act_group]") {
  struct shape {
    std::size_t m, k, group;
  };
  const shape shapes[] = {{7, 96, 32}, {9, 192, 64}, {17, 1088, 64}, {11, 640, 128}, {5, 768, 256}, {3, 1536, 512}};
  std::uint64_t seed = 300;
  for (const auto& s : shapes) {
    const auto p = make_gproblem(s.m, s.k, s.group, seed++, /*two=*/true);
    for (std::size_t n : {1, 3, 4, 9, 17}) check_all_isas_ga(p, make_gacts(n, s.k, s.group, seed++));
  }
}

TEST_CASE("group, per-group activation scales: the quantizer, entry points, pool, errors", "[group][kernel][act_group]") {
  const std::size_t k = 384, n = 5;
  std::mt19937_64 rng(8);
  std::normal_distribution<float> nd(0.0f, 1.0f);
  std::vector<float> x(n * k);
  for (auto& v : x) v = nd(rng);
  for (std::size_t j = 64; j < 128; ++j) x[j] *= 100.0f;  // one loud group in token 0
  for (std::size_t j = 128; j < 192; ++j) x[j] = 0.0f;    // one silent group (amax floor 1e-5)
  const auto a = tritlut::quantize_groups(x.data(), n, k, k, 64);
  REQUIRE(a.groups() == 6);
  // Independent evaluation of FORMATS.md 1 per group.
  for (std::size_t t = 0; t < n; ++t)
    for (std::size_t g = 0; g < 6; ++g) {
      double amax = 0;
      for (std::size_t j = g * 64; j < (g + 1) * 64; ++j) amax = std::max(amax, std::fabs(double(x[t * k + j])));
      const float s = float(127.0 / std::max(amax, 1e-5));
      INFO("token " << t << " group " << g);
      REQUIRE(a.scales(t)[g] == s);
      for (std::size_t j = g * 64; j < (g + 1) * 64; ++j) {
        const float v = std::nearbyint(x[t * k + j] * s);
        REQUIRE(a.row(t)[j] == static_cast<std::int8_t>(std::min(127.0f, std::max(-128.0f, v))));
      }
    }
  for (std::size_t j = k; j < a.view().stride; ++j) REQUIRE(a.row(0)[j] == 0);

  const auto p = make_gproblem(37, k, 64, 12);
  const auto W = tritlut::i2s_group_matrix::pack(p.w.data(), p.m, k, 64, p.d.data());
  tritlut::thread_pool pool(3);
  std::vector<float> y1(n * p.m), yp(n * p.m), yv(n * p.m);
  tt::for_each_isa([&] {
    tritlut::gemm(W, a, y1);
    tritlut::gemm(pool, W, a, yp.data());
    tritlut::gemm(W.view(), a.view(), yv.data(), p.m);
    REQUIRE(tt::bits_equal(y1, yp));
    REQUIRE(tt::bits_equal(y1, yv));
    std::vector<float> yr(n * p.m, 5.0f);
    tritlut::gemm(W.view(), a.view(), yr, p.m, 16, 33);
    for (std::size_t i = 0; i < yr.size(); ++i) {
      const std::size_t r = i % p.m;
      if (r >= 16 && r < 33) REQUIRE(std::memcmp(&yr[i], &y1[i], sizeof(float)) == 0);
      else REQUIRE(yr[i] == 5.0f);
    }
    const auto a1 = tritlut::quantize_groups(x.data(), 1, k, k, 64);
    std::vector<float> g1(p.m), g2(p.m);
    tritlut::gemv(W, a1, g1);
    tritlut::gemv(pool, W, a1, g2.data());
    REQUIRE(tt::bits_equal(g1, g2));
    REQUIRE(std::memcmp(g1.data(), y1.data(), p.m * sizeof(float)) == 0);  // token 0 alone = token 0 of the batch
  });

  std::vector<float> y(n * p.m);
  const auto a32 = tritlut::quantize_groups(x.data(), n, k, k, 32);
  CHECK_THROWS_WITH(tritlut::gemm(W, a32, y),
                    Catch::Contains("activations were quantized in groups of 32, the matrix has groups of 64"));
  const auto a2 = tritlut::quantize_groups(x.data(), 1, 320, k, 64);
  CHECK_THROWS_WITH(tritlut::gemm(W, a2, y), Catch::Contains("activations have 320 columns but the matrix has K = 384"));
  CHECK_THROWS_WITH(tritlut::gemv(W, a, y), Catch::Contains("expected one token, got 5"));
  CHECK_THROWS_WITH(tritlut::gemm(W, a, tritlut::out_span<float>(y.data(), 10)), Catch::Contains("output holds 10"));
  CHECK_THROWS_WITH(tritlut::gemm(W.view(), a.view(), static_cast<float*>(nullptr), p.m), Catch::Contains("null output"));
  CHECK_THROWS_WITH(tritlut::gemm(W.view(), tritlut::act_group_view{}, y.data(), p.m),
                    Catch::Contains("empty activations"));
  CHECK_THROWS_WITH(tritlut::gemm(tritlut::i2s_group_view{}, a.view(), y.data(), p.m),
                    Catch::Contains("not a group-scaled matrix"));
  CHECK_THROWS_WITH(tritlut::quantize_groups(x.data(), n, k, k, 48), Catch::Contains("group size 48 is not supported"));
  CHECK_THROWS_WITH(tritlut::quantize_groups(x.data(), n, 100, k, 64),
                    Catch::Contains("K = 100 is not a multiple of the group size 64"));
  CHECK_THROWS_WITH(tritlut::quantize_groups(nullptr, n, k, k, 64), Catch::Contains("null input"));
  std::vector<float> bad(x);
  bad[k + 200] = std::numeric_limits<float>::quiet_NaN();
  CHECK_THROWS_WITH(tritlut::quantize_groups(bad.data(), n, k, k, 64), Catch::Contains("row 1, group 3 holds a non-finite"));
}
