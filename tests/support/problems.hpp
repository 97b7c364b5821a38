// SPDX-License-Identifier: MIT
// tests/support/problems.hpp - deterministic random kernel problems and their oracle, built without
// tritlut code: the library tests (formats, kernels, quant, parallel, api) check against these.
#pragma once

#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <tritlut/tritlut.hpp>

namespace tt {

// Random ternary weights with roughly equal thirds.
inline std::vector<std::int8_t> random_ternary(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::int8_t> w(n);
  for (auto& v : w) v = static_cast<std::int8_t>(static_cast<int>(rng() % 3) - 1);
  return w;
}

// Quantized activations made directly (full int8 range [-127, 127], zero padding), with the
// scale and sum computed here - so the kernels are tested independently of the quantizer.
struct acts {
  std::size_t n = 0, k = 0, stride = 0;
  std::vector<std::int8_t> q;
  std::vector<float> scale;
  std::vector<std::int32_t> sum;
  tritlut::act_view view() const { return {q.data(), scale.data(), sum.data(), n, k, stride}; }
};

inline acts make_acts(std::size_t n, std::size_t k, std::uint64_t seed, int lo = -127, int hi = 127) {
  std::mt19937_64 rng(seed);
  acts a;
  a.n = n;
  a.k = k;
  a.stride = tritlut::act_stride(k);
  a.q.assign(n * a.stride, 0);
  a.scale.resize(n);
  a.sum.assign(n, 0);
  std::uniform_int_distribution<int> d(lo, hi);
  std::uniform_real_distribution<float> ds(0.5f, 500.0f);
  for (std::size_t t = 0; t < n; ++t) {
    for (std::size_t j = 0; j < k; ++j) {
      a.q[t * a.stride + j] = static_cast<std::int8_t>(d(rng));
      a.sum[t] += a.q[t * a.stride + j];
    }
    a.scale[t] = ds(rng);
  }
  return a;
}

inline acts constant_acts(std::size_t n, std::size_t k, std::int8_t v) {
  acts a;
  a.n = n;
  a.k = k;
  a.stride = tritlut::act_stride(k);
  a.q.assign(n * a.stride, 0);
  a.scale.assign(n, 1.0f);
  a.sum.assign(n, 0);
  for (std::size_t t = 0; t < n; ++t)
    for (std::size_t j = 0; j < k; ++j) {
      a.q[t * a.stride + j] = v;
      a.sum[t] += v;
    }
  return a;
}

// The oracle, independent of tritlut: int64 sums of w * q.
inline std::vector<std::int32_t> oracle_dots(const std::vector<std::int8_t>& w, std::size_t m, std::size_t k,
                                             const acts& a) {
  std::vector<std::int32_t> out(a.n * m);
  for (std::size_t t = 0; t < a.n; ++t)
    for (std::size_t r = 0; r < m; ++r) {
      std::int64_t s = 0;
      for (std::size_t j = 0; j < k; ++j) s += std::int64_t(w[r * k + j]) * a.q[t * a.stride + j];
      out[t * m + r] = static_cast<std::int32_t>(s);
    }
  return out;
}

// The float epilogue of FORMATS.md 2 on the oracle's dots [n][m]: ((float)dot / act_scale) * alpha.
inline std::vector<float> oracle_floats(const std::vector<std::int32_t>& dots, const acts& a, std::size_t m,
                                        float alpha) {
  std::vector<float> y(dots.size());
  for (std::size_t t = 0; t < a.n; ++t)
    for (std::size_t r = 0; r < m; ++r) y[t * m + r] = (static_cast<float>(dots[t * m + r]) / a.scale[t]) * alpha;
  return y;
}

inline bool bits_equal(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

}  // namespace tt
