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
    TRITLUT_KEEP_ACCUMULATOR(t);
    return vreinterpretq_s8_s16(t);
  }
  static TRITLUT_INLINE vec widen(vec acc32, vec acc16) noexcept {
    return vreinterpretq_s8_s32(vpadalq_s16(vreinterpretq_s32_s8(acc32), vreinterpretq_s16_s8(acc16)));
  }
  static TRITLUT_INLINE std::int32_t hsum(vec v) noexcept { return vaddvq_s32(vreinterpretq_s32_s8(v)); }
  static constexpr std::size_t hsums_n = 4;
  static TRITLUT_INLINE void hsums(const vec* v, std::int32_t* out) noexcept {
    const int32x4_t a = vpaddq_s32(vreinterpretq_s32_s8(v[0]), vreinterpretq_s32_s8(v[1]));
    const int32x4_t b = vpaddq_s32(vreinterpretq_s32_s8(v[2]), vreinterpretq_s32_s8(v[3]));
    vst1q_s32(out, vpaddq_s32(a, b));
  }
  static TRITLUT_INLINE vec load_i2s_act(const std::int8_t* q, std::size_t o, int g) noexcept {
    return load(q + (o / 32) * 128 + 32 * g + (o % 32));
  }

  // ---- TL1/TL2 lookup primitives (contracts in arch/ops.hpp). vqtbl1q_u8 zeroes indices >= 16;
  // the kernels only pass 0..15.
  static TRITLUT_INLINE vec load_table16(const void* p) noexcept { return load(p); }
  static TRITLUT_INLINE vec lut16(vec table, vec idx) noexcept {
    return vreinterpretq_s8_u8(vqtbl1q_u8(vreinterpretq_u8_s8(table), vreinterpretq_u8_s8(idx)));
  }
  static TRITLUT_INLINE vec nib_lo(vec v) noexcept { return vreinterpretq_s8_u8(vandq_u8(vreinterpretq_u8_s8(v), vdupq_n_u8(0x0F))); }
  static TRITLUT_INLINE vec nib_hi(vec v) noexcept { return vreinterpretq_s8_u8(vshrq_n_u8(vreinterpretq_u8_s8(v), 4)); }
  static TRITLUT_INLINE vec bit_mask(vec s, vec bit) noexcept {
    return vreinterpretq_s8_u8(vtstq_u8(vreinterpretq_u8_s8(s), vreinterpretq_u8_s8(bit)));
  }
  static TRITLUT_INLINE vec bxor(vec a, vec b) noexcept { return veorq_s8(a, b); }
  // TL2 signs as a complement (~x = -x - 1 under a vtst mask; NEON has no psignb): the kernels add
  // the -1s back per row (tl2_neg_fix).
  static constexpr bool tl2_negates = false;
  struct sgroup {
    vec a;  // the sign bytes
  };
  static TRITLUT_INLINE void order_after(sgroup& g, vec dep) noexcept {
    (void)g;  // the macro emits nothing outside GCC
    TRITLUT_ORDER_AFTER(g.a, dep);
  }
  using smask = vec;
  static TRITLUT_INLINE sgroup sign_group(vec s, const std::uint8_t*) noexcept { return {s}; }
  template <int B>
  static TRITLUT_INLINE smask sign_of(const sgroup& g, const std::uint8_t* bits) noexcept {
    return bit_mask(g.a, load(bits + 64 * B));
  }
  static TRITLUT_INLINE vec flip(vec x, smask m) noexcept { return bxor(x, m); }
  static TRITLUT_INLINE void widen_lanes(vec& even, vec& odd, vec a16) noexcept {
    const int32x4_t a = vreinterpretq_s32_s8(a16);
    even = vreinterpretq_s8_s32(vaddq_s32(vreinterpretq_s32_s8(even), vshrq_n_s32(vshlq_n_s32(a, 16), 16)));
    odd = vreinterpretq_s8_s32(vaddq_s32(vreinterpretq_s32_s8(odd), vshrq_n_s32(a, 16)));
  }
  static TRITLUT_INLINE void store(void* p, vec v) noexcept { vst1q_s8(static_cast<std::int8_t*>(p), v); }
  static TRITLUT_INLINE vec add8(vec a, vec b) noexcept { return vaddq_s8(a, b); }
  template <int Base>
  static TRITLUT_INLINE void fold_split(vec& a0, vec& a1, vec l, vec h) noexcept {
    const int8x16_t k = vdupq_n_s8(static_cast<std::int8_t>(Base));
    int16x8_t s0 = vaddw_s8(vreinterpretq_s16_s8(a0), vget_low_s8(l));
    int16x8_t s1 = vaddw_high_s8(vreinterpretq_s16_s8(a1), l);
    s0 = vmlal_s8(s0, vget_low_s8(h), vget_low_s8(k));
    s1 = vmlal_high_s8(s1, h, k);
    a0 = vreinterpretq_s8_s16(s0);
    a1 = vreinterpretq_s8_s16(s1);
  }
  // Entries 8*half .. 8*half+7.
  static TRITLUT_INLINE int16x8_t entries8(int b0, int b1, int b2, const std::int16_t* w, int half) noexcept {
    int16x8_t t = vmulq_n_s16(vld1q_s16(w + 8 * half), static_cast<std::int16_t>(b0));
    t = vmlaq_n_s16(t, vld1q_s16(w + 16 + 8 * half), static_cast<std::int16_t>(b1));
    return vmlaq_n_s16(t, vld1q_s16(w + 32 + 8 * half), static_cast<std::int16_t>(b2));
  }
  static TRITLUT_INLINE void lut_entries_split(int b0, int b1, int b2, const std::int16_t* w,
                                                const detail::tl_split& sp, std::uint8_t* out) noexcept {
    int8x8_t l[2], h[2];
    for (int half = 0; half < 2; ++half) {
      const int16x8_t e = entries8(b0, b1, b2, w, half);
      // (2 * x * (magic / 2)) >> 16 = x * magic >> 16, as on x86
      const int16x8_t hi =
          vsubq_s16(vqdmulhq_n_s16(vaddq_s16(e, vdupq_n_s16(static_cast<std::int16_t>(sp.bias()))),
                                   static_cast<std::int16_t>(sp.magic / 2)),
                    vdupq_n_s16(static_cast<std::int16_t>(sp.hk())));
      l[half] = vmovn_s16(vmlsq_n_s16(e, hi, static_cast<std::int16_t>(sp.base)));
      h[half] = vmovn_s16(hi);
    }
    vst1q_s8(reinterpret_cast<std::int8_t*>(out), vcombine_s8(l[0], l[1]));
    vst1q_s8(reinterpret_cast<std::int8_t*>(out + 16), vcombine_s8(h[0], h[1]));
  }
};

#if TRITLUT_HAS_NEON_DOTPROD
template <>
struct simd_ops<isa::neon_dotprod> : simd_ops<isa::neon> {
  static constexpr bool direct32 = true;
  static TRITLUT_INLINE vec dot32(vec acc32, vec c, vec a) noexcept {
    int32x4_t r = vdotq_s32(vreinterpretq_s32_s8(acc32), c, a);
    TRITLUT_KEEP_ACCUMULATOR(r);
    return vreinterpretq_s8_s32(r);
  }
};
#endif

}  // namespace arch
TRITLUT_END_TARGET_NS
#endif  // TRITLUT_HAS_NEON
