// SPDX-License-Identifier: MIT
// tritlut/kernels/reference.hpp - the scalar oracle: straightforward loops over unpacked ternary
// weights, no packing, no SIMD. Every format and ISA must reproduce these results bit for bit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "../config.hpp"

// TRITLUT_NO_CONTRACT(v): v (a float or a float vector) is rounded and sits in a register before
// its next use, so the compiler cannot fuse the multiply that made it with the add that reads it
// into one fused multiply-add (g++ contracts across statements by default in its gnu++ modes,
// -ffp-contract=fast; clang within an expression). The group-scaled kernels need products rounded
// on every ISA, with or without FMA hardware. Emits nothing.
#if (defined(__GNUC__) || defined(__clang__)) && TRITLUT_ARCH_X86
#define TRITLUT_NO_CONTRACT(v) __asm__("" : "+x"(v))
#elif (defined(__GNUC__) || defined(__clang__)) && TRITLUT_ARCH_ARM64
#define TRITLUT_NO_CONTRACT(v) __asm__("" : "+w"(v))
#elif defined(__GNUC__) || defined(__clang__)
#define TRITLUT_NO_CONTRACT(v) __asm__("" : "+m"(v))
#else
#define TRITLUT_NO_CONTRACT(v) ((void)0)
#endif

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

// ---- Group-scaled matrices (i2s_group_view; docs/kernels.md, "Group-scaled I2_S") ----
//
// y[r] = (sum_g d[r][g] * (float)dot_g) / act_scale, dot_g = sum_{j in group g} w * q exact int32,
// in ONE order on every ISA: eight float partial sums, group g into lane g % 8, each product
// rounded to float before it is added (no fused multiply-add), lanes combined as
// ((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7)), then one division by act_scale.
inline constexpr std::size_t group_lanes = 8;

// d * s rounded to float (never fused with the add that follows).
TRITLUT_INLINE float mul_rounded(float d, float s) noexcept {
  float p = d * s;
  TRITLUT_NO_CONTRACT(p);
  return p;
}
// The lanes combined, then the division: the last step of every group-scaled kernel.
TRITLUT_INLINE float group_finish(const float* l, float act_scale) noexcept {
  const float s = ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7]));
  return s / act_scale;
}

// Per-group activation scales (act_group_view): each group's rounded product is divided by its
// activation scale s_g before the add, lane = lane + ((d * (float)dot_g) / s_g); the lanes are
// combined the same way and there is no final division.
TRITLUT_INLINE float group_term(float d, float dot, float s_g) noexcept { return mul_rounded(d, dot) / s_g; }
TRITLUT_INLINE float group_finish_ga(const float* l) noexcept {
  return ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7]));
}

// The loops both oracles share: lane g % 8 of row r, token t accumulates term(r * groups + g,
// t * groups + g, dot_g), the indices of the weight and activation group scales;
// finish(lane, t) gives the output.
template <class Term, class Finish>
inline void gemm_group_lanes(const std::int8_t* w, std::size_t m, std::size_t k, std::size_t group,
                             const std::int8_t* q, std::size_t ldq, std::size_t n, float* out, Term term,
                             Finish finish) {
  const std::size_t groups = k / group;
  for (std::size_t t = 0; t < n; ++t)
    for (std::size_t r = 0; r < m; ++r) {
      float lane[group_lanes] = {};
      for (std::size_t g = 0; g < groups; ++g) {
        std::int32_t dot = 0;
        for (std::size_t j = g * group; j < (g + 1) * group; ++j) dot += std::int32_t(w[r * k + j]) * q[t * ldq + j];
        lane[g % group_lanes] = lane[g % group_lanes] + term(r * groups + g, t * groups + g, static_cast<float>(dot));
      }
      out[t * m + r] = finish(lane, t);
    }
}

// The oracle: W (m x k int8 in {-1, 0, 1, 2}, row-major), scales d [m][k / group], n tokens of q
// (row stride ldq) with act_scale [n]. out: [n][m].
inline void gemm_group(const std::int8_t* w, std::size_t m, std::size_t k, std::size_t group, const float* d,
                       const std::int8_t* q, std::size_t ldq, const float* act_scale, std::size_t n, float* out) {
  gemm_group_lanes(
      w, m, k, group, q, ldq, n, out,
      [&](std::size_t dg, std::size_t, float dot) { return mul_rounded(d[dg], dot); },
      [&](const float* lane, std::size_t t) { return group_finish(lane, act_scale[t]); });
}

// The same with per-group activation scales s [n][k / group].
inline void gemm_group_ga(const std::int8_t* w, std::size_t m, std::size_t k, std::size_t group, const float* d,
                          const std::int8_t* q, std::size_t ldq, const float* s, std::size_t n, float* out) {
  gemm_group_lanes(
      w, m, k, group, q, ldq, n, out,
      [&](std::size_t dg, std::size_t sg, float dot) { return group_term(d[dg], dot, s[sg]); },
      [](const float* lane, std::size_t) { return group_finish_ga(lane); });
}

}  // namespace ref
TRITLUT_END_TARGET_NS
