// SPDX-License-Identifier: MIT
// tritlut/arch/x86.hpp - simd_ops for SSE4.1 (128-bit), AVX2 (256-bit), AVX-512 (512-bit, VNNI).
// Contracts in arch/ops.hpp. 8-bit shifts do not exist on x86: codes<S> shifts 16-bit lanes and
// masks with 3, which discards the bits carried in from the neighbouring byte.
#pragma once

#include "ops.hpp"

#if TRITLUT_HAS_SSE41
#include <immintrin.h>

TRITLUT_BEGIN_TARGET_NS
namespace arch {

// TL2 signs by psignb (SSE4.1, AVX2; contracts in arch/ops.hpp), for a tier with load, bor, slli16
// and sign8. psignb negates where the multiplier is negative (and zeroes where it is zero): triple
// b's multiplier is the group's sign byte shifted so bit b is bit 7, with a guard bit (s | 1) below
// it so it is never zero. psllw shifts words, but in either byte of a word bit 7 then comes from the
// same byte and the guard keeps it non-zero; bit 0 has no room for a guard below it and takes
// (s << 7) | 1. 9 uops per group of 8 triples instead of 16 for 0/-1 byte masks (pand + pcmpeqb).
template <class Tag>
struct x86_vec;  // the vector type of a tier (a typedef: GCC drops __m128i's attributes as a template argument)
template <>
struct x86_vec<isa::sse41> {
  using type = __m128i;
};
template <>
struct x86_vec<isa::avx2> {
  using type = __m256i;
};
template <class Tag>
struct psign_signs {
  using O = simd_ops<Tag>;
  using V = typename x86_vec<Tag>::type;
  static constexpr bool tl2_negates = true;
  struct sgroup {
    V a, s;  // s | 1, s
  };
  static TRITLUT_INLINE void order_after(sgroup& g, V dep) noexcept {
    (void)g;  // the macro emits nothing outside GCC
    TRITLUT_ORDER_AFTER(g.a, dep);
    TRITLUT_ORDER_AFTER(g.s, dep);
  }
  using smask = V;
  static TRITLUT_INLINE sgroup sign_group(V s, const std::uint8_t* ones) noexcept { return {O::bor(s, O::load(ones)), s}; }
  template <int B>
  static TRITLUT_INLINE smask sign_of(const sgroup& g, const std::uint8_t* ones) noexcept {
    if constexpr (B == 0) return O::bor(O::template slli16<7>(g.s), O::load(ones));
    else if constexpr (B == 7) return g.a;
    else return O::template slli16<7 - B>(g.a);
  }
  static TRITLUT_INLINE V flip(V x, smask m) noexcept { return O::sign8(x, m); }
};

template <>
struct simd_ops<isa::sse41> : psign_signs<isa::sse41> {
  using vec = __m128i;
  static constexpr std::size_t bytes = 16;
  static constexpr bool direct32 = false;
  static TRITLUT_INLINE vec load(const void* p) noexcept { return _mm_loadu_si128(static_cast<const __m128i*>(p)); }
  static TRITLUT_INLINE vec zero() noexcept { return _mm_setzero_si128(); }
  template <int S>
  static TRITLUT_INLINE vec codes(vec w) noexcept {
    if constexpr (S == 0) return _mm_and_si128(w, _mm_set1_epi8(3));
    else return _mm_and_si128(_mm_srli_epi16(w, S), _mm_set1_epi8(3));
  }
  static TRITLUT_INLINE vec madd_u8s8(vec acc, vec c, vec a) noexcept {
    vec r = _mm_add_epi16(acc, _mm_maddubs_epi16(c, a));
    TRITLUT_KEEP_ACCUMULATOR(r);
    return r;
  }
  static TRITLUT_INLINE vec widen(vec acc32, vec acc16) noexcept {
    return _mm_add_epi32(acc32, _mm_madd_epi16(acc16, _mm_set1_epi16(1)));
  }
  static TRITLUT_INLINE std::int32_t hsum(vec v) noexcept {
    v = _mm_add_epi32(v, _mm_shuffle_epi32(v, _MM_SHUFFLE(1, 0, 3, 2)));
    v = _mm_add_epi32(v, _mm_shuffle_epi32(v, _MM_SHUFFLE(2, 3, 0, 1)));
    return _mm_cvtsi128_si32(v);
  }
  static constexpr std::size_t hsums_n = 4;
  static TRITLUT_INLINE void hsums(const vec* v, std::int32_t* out) noexcept {
    const __m128i a = _mm_hadd_epi32(v[0], v[1]), b = _mm_hadd_epi32(v[2], v[3]);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out), _mm_hadd_epi32(a, b));
  }
  // Activations matching the 16 weight bytes at row byte offset o (o % 16 == 0) for plane g:
  // byte p of block b holds weight b*128 + 32g + p.
  static TRITLUT_INLINE vec load_i2s_act(const std::int8_t* q, std::size_t o, int g) noexcept {
    return load(q + (o / 32) * 128 + 32 * g + (o % 32));
  }

  // ---- TL1/TL2 lookup primitives (contracts in arch/ops.hpp) ----
  static TRITLUT_INLINE vec load_table16(const void* p) noexcept { return load(p); }
  static TRITLUT_INLINE vec lut16(vec table, vec idx) noexcept { return _mm_shuffle_epi8(table, idx); }
  static TRITLUT_INLINE vec nib_lo(vec v) noexcept { return _mm_and_si128(v, _mm_set1_epi8(0x0F)); }
  static TRITLUT_INLINE vec nib_hi(vec v) noexcept { return _mm_and_si128(_mm_srli_epi16(v, 4), _mm_set1_epi8(0x0F)); }
  static TRITLUT_INLINE vec bor(vec a, vec b) noexcept { return _mm_or_si128(a, b); }
  template <int K>
  static TRITLUT_INLINE vec slli16(vec v) noexcept { return _mm_slli_epi16(v, K); }
  static TRITLUT_INLINE vec sign8(vec x, vec m) noexcept { return _mm_sign_epi8(x, m); }
  static TRITLUT_INLINE void widen_lanes(vec& even, vec& odd, vec a16) noexcept {
    even = _mm_add_epi32(even, _mm_srai_epi32(_mm_slli_epi32(a16, 16), 16));
    odd = _mm_add_epi32(odd, _mm_srai_epi32(a16, 16));
  }
  static TRITLUT_INLINE void store(void* p, vec v) noexcept { _mm_storeu_si128(static_cast<__m128i*>(p), v); }
  static TRITLUT_INLINE vec add8(vec a, vec b) noexcept { return _mm_add_epi8(a, b); }
  template <int Base>
  static TRITLUT_INLINE void fold_split(vec& a0, vec& a1, vec l, vec h) noexcept {
    const __m128i k = _mm_set1_epi16(static_cast<short>(Base << 8 | 1));  // bytes (1, base)
    a0 = _mm_add_epi16(a0, _mm_maddubs_epi16(k, _mm_unpacklo_epi8(l, h)));
    a1 = _mm_add_epi16(a1, _mm_maddubs_epi16(k, _mm_unpackhi_epi8(l, h)));
  }
  // Entries 8*half .. 8*half+7: e[i] = w[0][i]*b0 + w[1][i]*b1 + w[2][i]*b2 (w in {-1,0,1}).
  static TRITLUT_INLINE __m128i entries8(int b0, int b1, int b2, const std::int16_t* w, int half) noexcept {
    auto term = [&](int b, int plane) {
      return _mm_sign_epi16(_mm_set1_epi16(static_cast<short>(b)),
                            _mm_loadu_si128(reinterpret_cast<const __m128i*>(w + 16 * plane + 8 * half)));
    };
    return _mm_add_epi16(_mm_add_epi16(term(b0, 0), term(b1, 1)), term(b2, 2));
  }
  // 16 entries split into l and h (tl_split) -> 16 l bytes, 16 h bytes (both small: packs does not
  // saturate).
  static TRITLUT_INLINE void split(__m128i e, const detail::tl_split& sp, __m128i& l, __m128i& h) noexcept {
    h = _mm_sub_epi16(_mm_mulhi_epi16(_mm_add_epi16(e, _mm_set1_epi16(static_cast<short>(sp.bias()))),
                                      _mm_set1_epi16(static_cast<short>(sp.magic))),
                      _mm_set1_epi16(static_cast<short>(sp.hk())));
    l = _mm_sub_epi16(e, _mm_mullo_epi16(h, _mm_set1_epi16(static_cast<short>(sp.base))));
  }
  static TRITLUT_INLINE void lut_entries_split(int b0, int b1, int b2, const std::int16_t* w,
                                                const detail::tl_split& sp, std::uint8_t* out) noexcept {
    __m128i l[2], h[2];
    for (int half = 0; half < 2; ++half) split(entries8(b0, b1, b2, w, half), sp, l[half], h[half]);
    store(out, _mm_packs_epi16(l[0], l[1]));
    store(out + 16, _mm_packs_epi16(h[0], h[1]));
  }
};

}  // namespace arch
TRITLUT_END_TARGET_NS
#endif  // TRITLUT_HAS_SSE41

#if TRITLUT_HAS_AVX2
TRITLUT_BEGIN_TARGET_NS
namespace arch {

template <>
struct simd_ops<isa::avx2> : psign_signs<isa::avx2> {
  using vec = __m256i;
  static constexpr std::size_t bytes = 32;
  static constexpr bool direct32 = false;
  static TRITLUT_INLINE vec load(const void* p) noexcept { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }
  static TRITLUT_INLINE vec zero() noexcept { return _mm256_setzero_si256(); }
  template <int S>
  static TRITLUT_INLINE vec codes(vec w) noexcept {
    if constexpr (S == 0) return _mm256_and_si256(w, _mm256_set1_epi8(3));
    else return _mm256_and_si256(_mm256_srli_epi16(w, S), _mm256_set1_epi8(3));
  }
  static TRITLUT_INLINE vec madd_u8s8(vec acc, vec c, vec a) noexcept {
    vec r = _mm256_add_epi16(acc, _mm256_maddubs_epi16(c, a));
    TRITLUT_KEEP_ACCUMULATOR(r);
    return r;
  }
  static TRITLUT_INLINE vec widen(vec acc32, vec acc16) noexcept {
    return _mm256_add_epi32(acc32, _mm256_madd_epi16(acc16, _mm256_set1_epi16(1)));
  }
  static TRITLUT_INLINE std::int32_t hsum(vec v) noexcept {
    return simd_ops<isa::sse41>::hsum(_mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1)));
  }
  // hadd twice leaves [low-half sums of v0..v3 | high-half sums of v0..v3]; the lanes are then paired.
  static constexpr std::size_t hsums_n = 8;
  static TRITLUT_INLINE __m256i hsums8(vec v0, vec v1, vec v2, vec v3, vec v4, vec v5, vec v6, vec v7) noexcept {
    const __m256i a = _mm256_hadd_epi32(_mm256_hadd_epi32(v0, v1), _mm256_hadd_epi32(v2, v3));
    const __m256i b = _mm256_hadd_epi32(_mm256_hadd_epi32(v4, v5), _mm256_hadd_epi32(v6, v7));
    return _mm256_add_epi32(_mm256_permute2x128_si256(a, b, 0x20), _mm256_permute2x128_si256(a, b, 0x31));
  }
  static TRITLUT_INLINE void hsums(const vec* v, std::int32_t* out) noexcept {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), hsums8(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]));
  }
  // One 32-byte vector is exactly one block: plane g pairs with q[b*128 + 32g .. +32).
  static TRITLUT_INLINE vec load_i2s_act(const std::int8_t* q, std::size_t o, int g) noexcept {
    return load(q + (o / 32) * 128 + 32 * g);
  }

  // ---- TL1/TL2 lookup primitives (contracts in arch/ops.hpp); vpshufb is per 128-bit lane, so
  // each table is broadcast to both lanes (vbroadcasti128: a load, no shuffle uop).
  static TRITLUT_INLINE vec load_table16(const void* p) noexcept {
    return _mm256_broadcastsi128_si256(_mm_loadu_si128(static_cast<const __m128i*>(p)));
  }
  static TRITLUT_INLINE vec lut16(vec table, vec idx) noexcept { return _mm256_shuffle_epi8(table, idx); }
  static TRITLUT_INLINE vec nib_lo(vec v) noexcept { return _mm256_and_si256(v, _mm256_set1_epi8(0x0F)); }
  static TRITLUT_INLINE vec nib_hi(vec v) noexcept { return _mm256_and_si256(_mm256_srli_epi16(v, 4), _mm256_set1_epi8(0x0F)); }
  static TRITLUT_INLINE vec bor(vec a, vec b) noexcept { return _mm256_or_si256(a, b); }
  template <int K>
  static TRITLUT_INLINE vec slli16(vec v) noexcept { return _mm256_slli_epi16(v, K); }
  static TRITLUT_INLINE vec sign8(vec x, vec m) noexcept { return _mm256_sign_epi8(x, m); }
  static TRITLUT_INLINE void widen_lanes(vec& even, vec& odd, vec a16) noexcept {
    even = _mm256_add_epi32(even, _mm256_srai_epi32(_mm256_slli_epi32(a16, 16), 16));
    odd = _mm256_add_epi32(odd, _mm256_srai_epi32(a16, 16));
  }
  static TRITLUT_INLINE void store(void* p, vec v) noexcept { _mm256_storeu_si256(static_cast<__m256i*>(p), v); }
  static TRITLUT_INLINE vec add8(vec a, vec b) noexcept { return _mm256_add_epi8(a, b); }
  template <int Base>
  static TRITLUT_INLINE void fold_split(vec& a0, vec& a1, vec l, vec h) noexcept {
    const __m256i k = _mm256_set1_epi16(static_cast<short>(Base << 8 | 1));  // bytes (1, base)
    a0 = _mm256_add_epi16(a0, _mm256_maddubs_epi16(k, _mm256_unpacklo_epi8(l, h)));
    a1 = _mm256_add_epi16(a1, _mm256_maddubs_epi16(k, _mm256_unpackhi_epi8(l, h)));
  }
  static TRITLUT_INLINE __m256i entries16(int b0, int b1, int b2, const std::int16_t* w) noexcept {
    return _mm256_add_epi16(
        _mm256_add_epi16(_mm256_sign_epi16(_mm256_set1_epi16(static_cast<short>(b0)), load(w)),
                         _mm256_sign_epi16(_mm256_set1_epi16(static_cast<short>(b1)), load(w + 16))),
        _mm256_sign_epi16(_mm256_set1_epi16(static_cast<short>(b2)), load(w + 32)));
  }
  static TRITLUT_INLINE void lut_entries_split(int b0, int b1, int b2, const std::int16_t* w,
                                                const detail::tl_split& sp, std::uint8_t* out) noexcept {
    const __m256i e = entries16(b0, b1, b2, w);
    const __m256i h = _mm256_sub_epi16(_mm256_mulhi_epi16(_mm256_add_epi16(e, _mm256_set1_epi16(static_cast<short>(sp.bias()))),
                                                          _mm256_set1_epi16(static_cast<short>(sp.magic))),
                                       _mm256_set1_epi16(static_cast<short>(sp.hk())));
    const __m256i l = _mm256_sub_epi16(e, _mm256_mullo_epi16(h, _mm256_set1_epi16(static_cast<short>(sp.base))));
    // packs per lane: [l0-7 h0-7 | l8-15 h8-15] -> [l0-15 | h0-15]
    store(out, _mm256_permute4x64_epi64(_mm256_packs_epi16(l, h), _MM_SHUFFLE(3, 1, 2, 0)));
  }
};

}  // namespace arch
TRITLUT_END_TARGET_NS
#endif  // TRITLUT_HAS_AVX2

#if TRITLUT_HAS_AVX512
TRITLUT_BEGIN_TARGET_NS
namespace arch {

template <>
struct simd_ops<isa::avx512> {
  using vec = __m512i;
  static constexpr std::size_t bytes = 64;
  static constexpr bool direct32 = false;
  static TRITLUT_INLINE vec load(const void* p) noexcept { return _mm512_loadu_si512(p); }
  // Lower 32 bytes only, upper zeroed (an odd trailing I2_S block); reads no byte past p + 31.
  static TRITLUT_INLINE vec load_half(const void* p) noexcept {
    return _mm512_castsi256_si512(_mm256_loadu_si256(static_cast<const __m256i*>(p)));
  }
  static TRITLUT_INLINE vec zero() noexcept { return _mm512_setzero_si512(); }
  template <int S>
  static TRITLUT_INLINE vec codes(vec w) noexcept {
    if constexpr (S == 0) return _mm512_and_si512(w, _mm512_set1_epi8(3));
    else return _mm512_and_si512(_mm512_srli_epi16(w, S), _mm512_set1_epi8(3));
  }
  static TRITLUT_INLINE vec madd_u8s8(vec acc, vec c, vec a) noexcept {
    vec r = _mm512_add_epi16(acc, _mm512_maddubs_epi16(c, a));
    TRITLUT_KEEP_ACCUMULATOR(r);
    return r;
  }
  static TRITLUT_INLINE vec widen(vec acc32, vec acc16) noexcept {
    return _mm512_add_epi32(acc32, _mm512_madd_epi16(acc16, _mm512_set1_epi16(1)));
  }
  // The two 256-bit halves added: the same lane sums in half the width.
  static TRITLUT_INLINE __m256i fold(vec v) noexcept {
    return _mm256_add_epi32(_mm512_castsi512_si256(v), _mm512_extracti64x4_epi64(v, 1));
  }
  static TRITLUT_INLINE std::int32_t hsum(vec v) noexcept { return simd_ops<isa::avx2>::hsum(fold(v)); }
  // 16 sums, stored as one vector (a wider load of narrower stores is not store-forwarded).
  static constexpr std::size_t hsums_n = 16;
  static TRITLUT_INLINE void hsums(const vec* v, std::int32_t* out) noexcept {
    auto eight = [](const vec* p) {
      return simd_ops<isa::avx2>::hsums8(fold(p[0]), fold(p[1]), fold(p[2]), fold(p[3]), fold(p[4]), fold(p[5]),
                                         fold(p[6]), fold(p[7]));
    };
    _mm512_storeu_si512(out, _mm512_inserti64x4(_mm512_castsi256_si512(eight(v)), eight(v + 8), 1));
  }
  // A 64-byte vector spans two blocks: lower half pairs with block b, upper with block b + 1.
  static TRITLUT_INLINE vec load_i2s_act(const std::int8_t* q, std::size_t o, int g) noexcept {
    const std::int8_t* p = q + (o / 32) * 128 + 32 * g;
    return _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p))),
                              _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 128)), 1);
  }

  // ---- TL1/TL2 lookup primitives (contracts in arch/ops.hpp); vpshufb per 128-bit lane, tables
  // broadcast to the four lanes; the sign mask goes through a k register (vptestmb + vpmovm2b).
  static TRITLUT_INLINE vec load_table16(const void* p) noexcept {
    return _mm512_broadcast_i32x4(_mm_loadu_si128(static_cast<const __m128i*>(p)));
  }
  static TRITLUT_INLINE vec lut16(vec table, vec idx) noexcept { return _mm512_shuffle_epi8(table, idx); }
  static TRITLUT_INLINE vec nib_lo(vec v) noexcept { return _mm512_and_si512(v, _mm512_set1_epi8(0x0F)); }
  static TRITLUT_INLINE vec nib_hi(vec v) noexcept { return _mm512_and_si512(_mm512_srli_epi16(v, 4), _mm512_set1_epi8(0x0F)); }
  // The sign stays in a k register: vptestmb, then -x as a masked (0 - x), one uop per plane.
  static constexpr bool tl2_negates = true;
  struct sgroup {
    vec a;  // the sign bytes
  };
  static TRITLUT_INLINE void order_after(sgroup& g, vec dep) noexcept {
    (void)g;  // the macro emits nothing outside GCC
    TRITLUT_ORDER_AFTER(g.a, dep);
  }
  using smask = __mmask64;
  static TRITLUT_INLINE sgroup sign_group(vec s, const std::uint8_t*) noexcept { return {s}; }
  // bits: 8 rows of 64 bytes, row b all (1 << b)
  template <int B>
  static TRITLUT_INLINE smask sign_of(const sgroup& g, const std::uint8_t* bits) noexcept {
    return _mm512_test_epi8_mask(g.a, load(bits + 64 * B));
  }
  static TRITLUT_INLINE vec flip(vec x, smask m) noexcept { return _mm512_mask_sub_epi8(x, m, _mm512_setzero_si512(), x); }
  static TRITLUT_INLINE void widen_lanes(vec& even, vec& odd, vec a16) noexcept {
    even = _mm512_add_epi32(even, _mm512_srai_epi32(_mm512_slli_epi32(a16, 16), 16));
    odd = _mm512_add_epi32(odd, _mm512_srai_epi32(a16, 16));
  }
  static TRITLUT_INLINE void store(void* p, vec v) noexcept { _mm512_storeu_si512(p, v); }
  static TRITLUT_INLINE vec add8(vec a, vec b) noexcept { return _mm512_add_epi8(a, b); }
  template <int Base>
  static TRITLUT_INLINE void fold_split(vec& a0, vec& a1, vec l, vec h) noexcept {
    const __m512i k = _mm512_set1_epi16(static_cast<short>(Base << 8 | 1));  // bytes (1, base)
    a0 = _mm512_add_epi16(a0, _mm512_maddubs_epi16(k, _mm512_unpacklo_epi8(l, h)));
    a1 = _mm512_add_epi16(a1, _mm512_maddubs_epi16(k, _mm512_unpackhi_epi8(l, h)));
  }
  static TRITLUT_INLINE void lut_entries_split(int b0, int b1, int b2, const std::int16_t* w,
                                                const detail::tl_split& sp, std::uint8_t* out) noexcept {
    simd_ops<isa::avx2>::lut_entries_split(b0, b1, b2, w, sp, out);
  }
};

#if TRITLUT_HAS_AVX512_VNNI
// vpdpbusd: u8 x s8 products summed in groups of 4 straight into int32 lanes - no int16 stage.
template <>
struct simd_ops<isa::avx512_vnni> : simd_ops<isa::avx512> {
  static constexpr bool direct32 = true;
  static TRITLUT_INLINE vec dot32(vec acc32, vec c, vec a) noexcept {
    vec r = _mm512_dpbusd_epi32(acc32, c, a);
    TRITLUT_KEEP_ACCUMULATOR(r);
    return r;
  }
};
#endif

}  // namespace arch
TRITLUT_END_TARGET_NS
#endif  // TRITLUT_HAS_AVX512
