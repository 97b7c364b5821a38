// SPDX-License-Identifier: MIT
// tritlut/arch/neon.hpp - simd_ops for AArch64 Advanced SIMD and the dotprod extension.
// Contracts in arch/ops.hpp. Codes are 0..2, so they are valid as s8 and the signed products
// (vmull_s8, sdot) compute the same sums as x86's u8 x s8 maddubs.
#pragma once

#include "ops.hpp"

#if TRITLUT_HAS_NEON
#include <arm_neon.h>

TRITLUT_BEGIN_TARGET_NS
namespace arch {

template <>
struct simd_ops<isa::neon> {
  using vec = int8x16_t;
  static constexpr std::size_t bytes = 16;
  static constexpr bool direct32 = false;
  static TRITLUT_INLINE vec load(const void* p) noexcept { return vld1q_s8(static_cast<const std::int8_t*>(p)); }
  static TRITLUT_INLINE vec zero() noexcept { return vdupq_n_s8(0); }
  template <int S>
  static TRITLUT_INLINE vec codes(vec w) noexcept {
    const uint8x16_t u = vreinterpretq_u8_s8(w);
    if constexpr (S == 0) return vreinterpretq_s8_u8(vandq_u8(u, vdupq_n_u8(3)));
    else return vreinterpretq_s8_u8(vandq_u8(vshrq_n_u8(u, S), vdupq_n_u8(3)));
  }
  // acc holds int16 lanes (reinterpreted); each lane gains 2 products of |c*a| <= 254: <= 508.
  static TRITLUT_INLINE vec madd_u8s8(vec acc, vec c, vec a) noexcept {
    int16x8_t t = vmlal_s8(vreinterpretq_s16_s8(acc), vget_low_s8(c), vget_low_s8(a));
    t = vmlal_high_s8(t, c, a);
    return vreinterpretq_s8_s16(t);
  }
  static TRITLUT_INLINE vec widen(vec acc32, vec acc16) noexcept {
    return vreinterpretq_s8_s32(vpadalq_s16(vreinterpretq_s32_s8(acc32), vreinterpretq_s16_s8(acc16)));
  }
  static TRITLUT_INLINE std::int32_t hsum(vec v) noexcept { return vaddvq_s32(vreinterpretq_s32_s8(v)); }
  static TRITLUT_INLINE vec load_i2s_act(const std::int8_t* q, std::size_t o, int g) noexcept {
    return load(q + (o / 32) * 128 + 32 * g + (o % 32));
  }
};

#if TRITLUT_HAS_NEON_DOTPROD
template <>
struct simd_ops<isa::neon_dotprod> : simd_ops<isa::neon> {
  static constexpr bool direct32 = true;
  static TRITLUT_INLINE vec dot32(vec acc32, vec c, vec a) noexcept {
    return vreinterpretq_s8_s32(vdotq_s32(vreinterpretq_s32_s8(acc32), c, a));
  }
};
#endif

}  // namespace arch
TRITLUT_END_TARGET_NS
#endif  // TRITLUT_HAS_NEON
