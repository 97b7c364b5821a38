// SPDX-License-Identifier: MIT
#include <cmath>

#include "catch.hpp"
#include "support/each_isa.hpp"
#include "support/problems.hpp"

namespace {

// Round half to even, written out by hand (independent of the library and of the FP mode).
float rne(float v) {
  const float f = std::floor(v);
  const float d = v - f;
  if (d > 0.5f) return f + 1;
  if (d < 0.5f) return f;
  return std::fmod(f, 2.0f) == 0.0f ? f : f + 1;
}

struct qrow {
  std::vector<std::int8_t> q;
  float scale;
  std::int32_t sum;
};

// FORMATS.md section 1, written independently.
qrow oracle_quantize(const std::vector<float>& x) {
  double amax = 1e-5;
  for (float v : x) amax = std::max(amax, double(std::fabs(v)));
  qrow r;
  r.scale = float(127.0 / amax);
  r.sum = 0;
  for (float v : x) {
    float t = rne(v * r.scale);
    t = std::min(127.0f, std::max(-128.0f, t));
    r.q.push_back(static_cast<std::int8_t>(t));
    r.sum += r.q.back();
  }
  return r;
}

std::vector<float> random_row(std::size_t k, std::uint64_t seed, float spread) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> d(0.0f, spread);
  std::vector<float> x(k);
  for (auto& v : x) v = d(rng);
  return x;
}

}  // namespace

TEST_CASE("quantizer: hand-checked values (half to even, scale from amax)", "[quant]") {
  // amax = 127 -> scale 1: x*scale is x itself, so the rounding is visible directly.
  std::vector<float> x = {127.0f, 2.5f, -2.5f, 3.5f, 0.5f, -0.5f, 1.49f, -126.5f};
  tt::for_each_isa([&] {
    auto a = tritlut::quantize(x.data(), 1, x.size());
    CHECK(a.scale(0) == 1.0f);
    const std::int8_t* q = a.row(0);
    CHECK(q[0] == 127);
    CHECK(q[1] == 2);
    CHECK(q[2] == -2);
    CHECK(q[3] == 4);
    CHECK(q[4] == 0);
    CHECK(q[5] == 0);
    CHECK(q[6] == 1);
    CHECK(q[7] == -126);
    CHECK(a.sum(0) == 127 + 2 - 2 + 4 + 0 + 0 + 1 - 126);
    for (std::size_t j = x.size(); j < a.stride(); ++j) REQUIRE(q[j] == 0);  // zero padding
  });
}

TEST_CASE("quantizer: all-zero rows use the 1e-5 floor", "[quant]") {
  std::vector<float> x(77, 0.0f);
  tt::for_each_isa([&] {
    auto a = tritlut::quantize(x.data(), 1, x.size());
    CHECK(a.scale(0) == float(127.0 / 1e-5));
    CHECK(a.sum(0) == 0);
  });
}

TEST_CASE("quantizer: every ISA matches the independent oracle bit for bit", "[quant]") {
  const std::size_t ks[] = {1, 2, 7, 15, 16, 17, 31, 64, 100, 255, 256, 257, 1000, 2560, 6912, 16385};
  tt::for_each_isa([&] {
    for (std::size_t k : ks) {
      for (float spread : {1e-7f, 0.01f, 3.0f, 1000.0f}) {
        INFO("k=" << k << " spread=" << spread);
        const auto x = random_row(k, k * 7 + std::size_t(spread * 1000), spread);
        const auto want = oracle_quantize(x);
        auto a = tritlut::quantize(x.data(), 1, k);
        CHECK(a.scale(0) == want.scale);
        CHECK(a.sum(0) == want.sum);
        CHECK(std::memcmp(a.row(0), want.q.data(), k) == 0);
        for (std::size_t j = 0; j < k; ++j) REQUIRE(std::abs(int(a.row(0)[j])) <= 127);
      }
    }
  });
}

TEST_CASE("quantizer: several rows with a row stride", "[quant]") {
  const std::size_t n = 5, k = 300, ldx = 320;
  std::vector<float> x(n * ldx, 1e9f);  // garbage between rows must be ignored
  for (std::size_t t = 0; t < n; ++t) {
    const auto r = random_row(k, 100 + t, float(t + 1));
    std::copy(r.begin(), r.end(), x.begin() + t * ldx);
  }
  tt::for_each_isa([&] {
    auto a = tritlut::quantize(x.data(), n, k, ldx);
    REQUIRE(a.tokens() == n);
    for (std::size_t t = 0; t < n; ++t) {
      const auto want = oracle_quantize(std::vector<float>(x.begin() + t * ldx, x.begin() + t * ldx + k));
      CHECK(a.scale(t) == want.scale);
      CHECK(a.sum(t) == want.sum);
      CHECK(std::memcmp(a.row(t), want.q.data(), k) == 0);
    }
  });
}

TEST_CASE("quantizer: bad arguments are rejected", "[quant][errors]") {
  std::vector<float> x(10);
  CHECK_THROWS_WITH(tritlut::quantize(x.data(), 1, 0), Catch::Contains("empty input"));
  CHECK_THROWS_WITH(tritlut::quantize(x.data(), 2, 5, 4), Catch::Contains("row stride 4 is smaller than k = 5"));
  CHECK_THROWS_WITH(tritlut::quantize(nullptr, 1, 5), Catch::Contains("null input"));
}
