// SPDX-License-Identifier: MIT
// tritlut/kernels/reference.hpp - the scalar oracle: straightforward loops over unpacked ternary
// weights, no packing, no SIMD. Every format and ISA must reproduce these results bit for bit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "../config.hpp"

TRITLUT_BEGIN_TARGET_NS
namespace ref {

// Exact sum_k w[r][k] * q[n][k] for W (m x k, int8 ternary, row-major) and n tokens of q
// (row stride ldq). out: [n][m] int32.
inline void gemm_i32(const std::int8_t* w, std::size_t m, std::size_t k, const std::int8_t* q, std::size_t ldq,
                     std::size_t n, std::int32_t* out) {
  for (std::size_t t = 0; t < n; ++t)
    for (std::size_t r = 0; r < m; ++r) {
      std::int64_t acc = 0;
      for (std::size_t j = 0; j < k; ++j) acc += std::int64_t(w[r * k + j]) * q[t * ldq + j];
      out[t * m + r] = static_cast<std::int32_t>(acc);
    }
}

// The float epilogue every kernel uses (FORMATS.md 2): one division, then one multiply.
inline float dequantize(std::int32_t dot, float act_scale, float alpha) noexcept {
  return (static_cast<float>(dot) / act_scale) * alpha;
}

}  // namespace ref
TRITLUT_END_TARGET_NS
