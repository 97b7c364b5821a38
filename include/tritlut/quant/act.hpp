// SPDX-License-Identifier: MIT
// tritlut/quant/act.hpp - per-token absmax int8 activation quantization (FORMATS.md section 1).
//
// One quantizer feeds every format and ISA, which is what makes I2_S, TL1 and TL2 lossless with
// respect to each other. Per token row x[0..k):
//   amax      = max(1e-5, max |x|)            (in double, like bitnet.cpp; NaN/Inf rejected)
//   act_scale = (float)(127.0 / amax)
//   q         = clamp(rne(x * act_scale), -128, 127)   (one f32 multiply, round half to even)
//   act_sum   = sum q
// Since |x| <= amax, |q| <= 127 always; the -128 clamp is defensive only.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "../compat/xsimd.hpp"
#include "../isa/isa.hpp"

namespace tritlut {
// Row stride of quantized activations: a multiple of 256, so kernels read whole 128-weight blocks
// (I2_S), 256-activation windows (TL1) and 192-activation windows (TL2) without bounds checks.
inline constexpr std::size_t act_stride_multiple = 256;
constexpr std::size_t act_stride(std::size_t k) noexcept {
  return ((k + act_stride_multiple - 1) / act_stride_multiple + (k == 0 ? 1 : 0)) * act_stride_multiple;
}
}  // namespace tritlut

TRITLUT_BEGIN_TARGET_NS
namespace kernels {

// The absmax floor (FORMATS.md 1): an all-zero row divides by 1e-5, not by 0.
inline constexpr double act_amax_floor = 1e-5;

// Scale from the row maximum: shared by every implementation so they agree bit for bit. A NaN
// or Inf maximum gives a scale that is not > 0 (NaN, or 0 for Inf; std::max would have dropped
// the NaN): tritlut::quantize checks that, one compare per row, instead of mapping to -128.
TRITLUT_INLINE float act_scale_from_amax(float max_abs) noexcept {
  const double m = static_cast<double>(max_abs);
  const double amax = m < act_amax_floor ? act_amax_floor : m;
  return static_cast<float>(127.0 / amax);
}

// max |x| as the largest magnitude bit pattern: non-negative IEEE values order like their bits,
// and NaN (which every float compare and max would drop) is larger than any other pattern.
TRITLUT_INLINE std::int32_t abs_bits(float x) noexcept {
  std::int32_t b;
  std::memcpy(&b, &x, sizeof b);
  return b & 0x7fffffff;
}
TRITLUT_INLINE float from_bits(std::int32_t b) noexcept {
  float x;
  std::memcpy(&x, &b, sizeof x);
  return x;
}

TRITLUT_INLINE std::int8_t quantize_one(float x, float scale) noexcept {
  // nearbyint rounds half to even in the default rounding mode; std::round would be wrong.
  float v = std::nearbyint(x * scale);
  v = std::min(127.0f, std::max(-128.0f, v));
  return static_cast<std::int8_t>(v);
}

// Scalar implementation (also the reference). q: [stride], zero-filled past k.
inline void quantize_row(const float* x, std::size_t k, std::int8_t* q, std::size_t stride, float* scale,
                         std::int32_t* sum, isa::scalar) noexcept {
  std::int32_t mb = 0;
  for (std::size_t i = 0; i < k; ++i) mb = std::max(mb, abs_bits(x[i]));
  const float s = act_scale_from_amax(from_bits(mb));
  std::int32_t acc = 0;
  for (std::size_t i = 0; i < k; ++i) {
    q[i] = quantize_one(x[i], s);
    acc += q[i];
  }
  std::memset(q + k, 0, stride - k);
  *scale = s;
  *sum = acc;
}

// SIMD implementation for every tag that maps to an xsimd arch: max |x| and the multiply in f32
// batches (exact, order-independent), conversion with the hardware's round-half-even
// (cvtps2dq / fcvtns via xsimd::nearbyint_as_int), clamp in int32.
template <class Tag, class A = typename Tag::simd>
inline void quantize_row(const float* x, std::size_t k, std::int8_t* q, std::size_t stride, float* scale,
                         std::int32_t* sum, Tag) noexcept {
  using bf = xsimd::batch<float, A>;
  using bi = xsimd::batch<std::int32_t, A>;
  constexpr std::size_t W = bf::size;
  const std::size_t kv = k / W * W;
  // max |x| in the integer domain (abs_bits): the same two ops per batch as a float abs + max,
  // and a NaN is kept rather than dropped.
  const bi magnitude(0x7fffffff);
  bi vmax(0);
  for (std::size_t i = 0; i < kv; i += W)
    vmax = xsimd::max(vmax, compat::bitcast<std::int32_t>(bf::load_unaligned(x + i)) & magnitude);
  std::int32_t mb = compat::reduce_max(vmax);
  for (std::size_t i = kv; i < k; ++i) mb = std::max(mb, abs_bits(x[i]));
  const float s = act_scale_from_amax(from_bits(mb));

  const bf vs(s);
  const bi lo(-128), hi(127);
  bi vsum(0);
  alignas(64) std::int32_t tmp[W];
  for (std::size_t i = 0; i < kv; i += W) {
    bi v = xsimd::nearbyint_as_int(bf::load_unaligned(x + i) * vs);
    v = xsimd::min(hi, xsimd::max(lo, v));
    vsum += v;  // |q| <= 128, so W lanes of int32 cannot overflow for any realistic k
    v.store_aligned(tmp);
    for (std::size_t j = 0; j < W; ++j) q[i + j] = static_cast<std::int8_t>(tmp[j]);
  }
  std::int32_t acc = compat::reduce_add(vsum);
  for (std::size_t i = kv; i < k; ++i) {
    q[i] = quantize_one(x[i], s);
    acc += q[i];
  }
  std::memset(q + k, 0, stride - k);
  *scale = s;
  *sum = acc;
}

// n rows of x (row stride ldx floats) -> q [n][stride], scale [n], sum [n].
template <class Tag>
inline void quantize_rows(const float* x, std::size_t ldx, std::size_t n, std::size_t k, std::int8_t* q,
                          std::size_t stride, float* scale, std::int32_t* sum) noexcept {
  for (std::size_t r = 0; r < n; ++r) quantize_row(x + r * ldx, k, q + r * stride, stride, scale + r, sum + r, Tag{});
}

}  // namespace kernels
TRITLUT_END_TARGET_NS
