// SPDX-License-Identifier: MIT
// examples/common/vec_neon.cpp - AArch64 NEON vector ops (F16 conversion and int8 widening multiplies
// are baseline ARMv8-A). Elsewhere this file only defines vec_neon() = nullptr.
#include "common/vec.hpp"

#if defined(__aarch64__) && defined(__ARM_NEON)
#include <arm_neon.h>

namespace trex {

namespace {

inline float32x4_t load_f16x4(const std::uint16_t* p) { return vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(p))); }
inline float to_f32(std::uint16_t h) { return vgetq_lane_f32(vcvt_f32_f16(vreinterpret_f16_u16(vdup_n_u16(h))), 0); }

float dot_f16(const std::uint16_t* a, const float* x, std::size_t n) {
  float32x4_t s0 = vdupq_n_f32(0), s1 = vdupq_n_f32(0);
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    s0 = vfmaq_f32(s0, load_f16x4(a + i), vld1q_f32(x + i));
    s1 = vfmaq_f32(s1, load_f16x4(a + i + 4), vld1q_f32(x + i + 4));
  }
  float s = vaddvq_f32(vaddq_f32(s0, s1));
  for (; i < n; ++i) s += to_f32(a[i]) * x[i];
  return s;
}

void axpy_f16(float s, const std::uint16_t* a, float* y, std::size_t n) {
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) vst1q_f32(y + i, vfmaq_n_f32(vld1q_f32(y + i), load_f16x4(a + i), s));
  for (; i < n; ++i) y[i] += s * to_f32(a[i]);
}

void to_f16(const float* x, std::uint16_t* y, std::size_t n) {
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) vst1_u16(y + i, vreinterpret_u16_f16(vcvt_f16_f32(vld1q_f32(x + i))));
  for (; i < n; ++i) {
    float t[4] = {x[i], 0, 0, 0};
    std::uint16_t o[4];
    vst1_u16(o, vreinterpret_u16_f16(vcvt_f16_f32(vld1q_f32(t))));
    y[i] = o[0];
  }
}

void from_f16(const std::uint16_t* a, float* y, std::size_t n) {
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) vst1q_f32(y + i, load_f16x4(a + i));
  for (; i < n; ++i) y[i] = to_f32(a[i]);
}

void gemv_f16(const std::uint16_t* w, std::size_t ld, const float* x, std::size_t k, float* y, std::size_t r0,
              std::size_t r1) {
  for (std::size_t r = r0; r < r1; ++r) y[r - r0] = dot_f16(w + r * ld, x, k);
}

void gemv_q8(const std::int8_t* w, const float* wscale, std::size_t ld, const std::int8_t* xq, float xs, std::size_t k,
             float* y, std::size_t r0, std::size_t r1) {
  const std::size_t k16 = k / 16 * 16;
  for (std::size_t r = r0; r < r1; ++r) {
    const std::int8_t* a = w + r * ld;
    int32x4_t acc = vdupq_n_s32(0);
    for (std::size_t i = 0; i < k16; i += 16) {
      const int8x16_t av = vld1q_s8(a + i), xv = vld1q_s8(xq + i);
      // |product| <= 127*127 fits int16; pairwise accumulate into int32.
      acc = vpadalq_s16(acc, vmull_s8(vget_low_s8(av), vget_low_s8(xv)));
      acc = vpadalq_s16(acc, vmull_s8(vget_high_s8(av), vget_high_s8(xv)));
    }
    std::int32_t d = vaddvq_s32(acc);
    for (std::size_t i = k16; i < k; ++i) d += std::int32_t(a[i]) * std::int32_t(xq[i]);
    y[r - r0] = (static_cast<float>(d) / xs) * wscale[r];
  }
}

}  // namespace

const vec_ops* vec_neon() {
  static const vec_ops ops{"neon", dot_f16, axpy_f16, to_f16, from_f16, gemv_f16, gemv_q8};
  return &ops;
}

}  // namespace trex

#else

namespace trex {
const vec_ops* vec_neon() { return nullptr; }
}  // namespace trex

#endif
