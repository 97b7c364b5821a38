// SPDX-License-Identifier: MIT
// tests/examples/engine/test_vec.cpp - the example's float/int8 vector ops (lm_head GEMVs, F16 KV cache ops) on
// every table this CPU can run, against plain double/int64 loops written here.
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <tritlut/tritlut.hpp>

#include "catch.hpp"
#include "common/fp16.hpp"
#include "engine/ops.hpp"
#include "common/vec.hpp"

using namespace trex;

namespace {

std::vector<const vec_ops*> runnable_tables() {
  std::vector<const vec_ops*> t;
  for (tritlut::isa_id id : tritlut::available_isas()) t.push_back(&vec_for(id));
  return t;
}

// Values on a 1/256 grid in [-4, 4]: exact in f16, so the f16 inputs are known exactly here.
float grid_value(std::mt19937& g) { return static_cast<float>(std::uniform_int_distribution<int>(-1024, 1024)(g)) / 256.0f; }

}  // namespace

TEST_CASE("vec tables: the ones this CPU runs are all tested", "[vec]") {
  const auto tables = runnable_tables();
  std::string names;
  for (auto* t : tables) names += std::string(t->name) + " ";
  INFO("tables: " << names);
  if (tritlut::cpu_supports(tritlut::isa_id::avx2)) CHECK(tables.size() >= 2);
}

TEST_CASE("vec gemv_q8 is exact on every table", "[vec]") {
  std::mt19937 g(41);
  for (const vec_ops* v : runnable_tables()) {
    for (std::size_t k : {1u, 31u, 64u, 65u, 127u, 200u, 2560u, 2567u}) {
      const std::size_t m = 11, ld = k + 3;
      std::vector<std::int8_t> w(m * ld), xq(k);
      std::vector<float> ws(m);
      std::uniform_int_distribution<int> q(-127, 127);
      for (auto& e : w) e = static_cast<std::int8_t>(q(g));
      for (auto& e : xq) e = static_cast<std::int8_t>(q(g));
      // Extremes too: all +-127 in the first row and the activations' first 64.
      for (std::size_t i = 0; i < k; ++i) w[i] = 127;
      for (std::size_t i = 0; i < std::min<std::size_t>(k, 64); ++i) xq[i] = -127;
      for (auto& s : ws) s = 0.001f * static_cast<float>(q(g) + 200);
      const float xs = 3.5f;
      for (std::size_t r0 : {0u, 1u, 3u}) {
        std::vector<float> y(m, -1.0f);
        v->gemv_q8(w.data(), ws.data(), ld, xq.data(), xs, k, y.data(), r0, m);
        for (std::size_t r = r0; r < m; ++r) {
          std::int64_t d = 0;
          for (std::size_t i = 0; i < k; ++i) d += std::int64_t(w[r * ld + i]) * xq[i];
          const float want = (static_cast<float>(d) / xs) * ws[r];
          INFO(v->name << " k=" << k << " r0=" << r0 << " r=" << r);
          REQUIRE(y[r - r0] == want);
        }
      }
    }
  }
}

TEST_CASE("vec gemv_f16 / dot_f16 / axpy_f16 / conversions match double loops on every table", "[vec]") {
  std::mt19937 g(42);
  for (const vec_ops* v : runnable_tables()) {
    for (std::size_t k : {1u, 7u, 8u, 17u, 64u, 259u, 2560u}) {
      const std::size_t m = 9, ld = k + 1;
      std::vector<float> wf(m * ld), x(k);
      std::vector<std::uint16_t> w(m * ld);
      for (std::size_t i = 0; i < w.size(); ++i) {
        wf[i] = grid_value(g);
        w[i] = f32_to_f16(wf[i]);
      }
      for (auto& e : x) e = grid_value(g);
      std::vector<float> y(m);
      v->gemv_f16(w.data(), ld, x.data(), k, y.data(), 2, m);
      for (std::size_t r = 2; r < m; ++r) {
        double d = 0, mag = 0;
        for (std::size_t i = 0; i < k; ++i) {
          d += double(wf[r * ld + i]) * x[i];
          mag += std::fabs(double(wf[r * ld + i]) * x[i]);
        }
        INFO(v->name << " gemv_f16 k=" << k << " r=" << r);
        REQUIRE(std::fabs(y[r - 2] - d) <= 1e-6 * mag + 1e-6);
        REQUIRE(std::fabs(v->dot_f16(w.data() + r * ld, x.data(), k) - d) <= 1e-6 * mag + 1e-6);
      }
      // axpy: y += s * a, exact here (grid values times 0.5 and sums of a few grid values are exact in f32).
      std::vector<float> acc(k, 1.0f);
      v->axpy_f16(0.5f, w.data(), acc.data(), k);
      for (std::size_t i = 0; i < k; ++i) REQUIRE(acc[i] == 1.0f + 0.5f * wf[i]);
      // from_f16 is exact; to_f16 rounds to nearest even (1 + 2^-11 is a tie -> 1, 1 + 3*2^-11 -> 1 + 2^-9).
      std::vector<float> back(k);
      v->from_f16(w.data(), back.data(), k);
      for (std::size_t i = 0; i < k; ++i) REQUIRE(back[i] == wf[i]);
      std::vector<float> ties(k);
      for (std::size_t i = 0; i < k; ++i) ties[i] = i % 2 ? 1.0f + 3.0f / 2048.0f : 1.0f + 1.0f / 2048.0f;
      std::vector<std::uint16_t> h(k);
      v->to_f16(ties.data(), h.data(), k);
      for (std::size_t i = 0; i < k; ++i) {
        INFO(v->name << " to_f16 i=" << i);
        REQUIRE(h[i] == (i % 2 ? 0x3c02 : 0x3c00));
      }
    }
  }
}

TEST_CASE("gated_act: ReLU^2 and SiLU gating against plain double formulas", "[vec]") {
  std::mt19937 g(43);
  std::uniform_real_distribution<float> d(-4.0f, 4.0f);
  for (std::size_t n : {1u, 7u, 8u, 6912u}) {
    std::vector<float> gate(n), up(n);
    for (auto& e : gate) e = d(g);
    for (auto& e : up) e = d(g);
    gate[0] = -0.0f;
    if (n > 1) gate[1] = 0.0f;
    for (bool relu2 : {true, false}) {
      std::vector<float> out = gate;
      gated_act(out.data(), up.data(), n, relu2);
      for (std::size_t i = 0; i < n; ++i) {
        const double x = gate[i];
        const double a = relu2 ? (x > 0 ? x * x : 0.0) : x / (1.0 + std::exp(-x));
        INFO("relu2=" << relu2 << " i=" << i << " g=" << gate[i]);
        REQUIRE(std::fabs(out[i] - a * up[i]) <= 1e-5 * (1.0 + std::fabs(a * up[i])));
        if (relu2 && x <= 0) REQUIRE(out[i] == 0.0f);
      }
    }
  }
}
