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

template <>
struct simd_ops<isa::sse41> {
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
  static TRITLUT_INLINE vec madd_u8s8(vec acc, vec c, vec a) noexcept { return _mm_add_epi16(acc, _mm_maddubs_epi16(c, a)); }
  static TRITLUT_INLINE vec widen(vec acc32, vec acc16) noexcept {
    return _mm_add_epi32(acc32, _mm_madd_epi16(acc16, _mm_set1_epi16(1)));
  }
  static TRITLUT_INLINE std::int32_t hsum(vec v) noexcept {
    v = _mm_add_epi32(v, _mm_shuffle_epi32(v, _MM_SHUFFLE(1, 0, 3, 2)));
    v = _mm_add_epi32(v, _mm_shuffle_epi32(v, _MM_SHUFFLE(2, 3, 0, 1)));
    return _mm_cvtsi128_si32(v);
  }
  // Activations matching the 16 weight bytes at row byte offset o (o % 16 == 0) for plane g:
  // byte p of block b holds weight b*128 + 32g + p.
  static TRITLUT_INLINE vec load_i2s_act(const std::int8_t* q, std::size_t o, int g) noexcept {
    return load(q + (o / 32) * 128 + 32 * g + (o % 32));
  }
};

}  // namespace arch
TRITLUT_END_TARGET_NS
#endif  // TRITLUT_HAS_SSE41

#if TRITLUT_HAS_AVX2
TRITLUT_BEGIN_TARGET_NS
namespace arch {

template <>
struct simd_ops<isa::avx2> {
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
    return _mm256_add_epi16(acc, _mm256_maddubs_epi16(c, a));
  }
  static TRITLUT_INLINE vec widen(vec acc32, vec acc16) noexcept {
    return _mm256_add_epi32(acc32, _mm256_madd_epi16(acc16, _mm256_set1_epi16(1)));
  }
  static TRITLUT_INLINE std::int32_t hsum(vec v) noexcept {
    return simd_ops<isa::sse41>::hsum(_mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1)));
  }
  // One 32-byte vector is exactly one block: plane g pairs with q[b*128 + 32g .. +32).
  static TRITLUT_INLINE vec load_i2s_act(const std::int8_t* q, std::size_t o, int g) noexcept {
    return load(q + (o / 32) * 128 + 32 * g);
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
    return _mm512_add_epi16(acc, _mm512_maddubs_epi16(c, a));
  }
  static TRITLUT_INLINE vec widen(vec acc32, vec acc16) noexcept {
    return _mm512_add_epi32(acc32, _mm512_madd_epi16(acc16, _mm512_set1_epi16(1)));
  }
  static TRITLUT_INLINE std::int32_t hsum(vec v) noexcept {
    return simd_ops<isa::avx2>::hsum(_mm256_add_epi32(_mm512_castsi512_si256(v), _mm512_extracti64x4_epi64(v, 1)));
  }
  // A 64-byte vector spans two blocks: lower half pairs with block b, upper with block b + 1.
  static TRITLUT_INLINE vec load_i2s_act(const std::int8_t* q, std::size_t o, int g) noexcept {
    const std::int8_t* p = q + (o / 32) * 128 + 32 * g;
    return _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p))),
                              _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 128)), 1);
  }
};

#if TRITLUT_HAS_AVX512_VNNI
// vpdpbusd: u8 x s8 products summed in groups of 4 straight into int32 lanes - no int16 stage.
template <>
struct simd_ops<isa::avx512_vnni> : simd_ops<isa::avx512> {
  static constexpr bool direct32 = true;
  static TRITLUT_INLINE vec dot32(vec acc32, vec c, vec a) noexcept { return _mm512_dpbusd_epi32(acc32, c, a); }
};
#endif

}  // namespace arch
TRITLUT_END_TARGET_NS
#endif  // TRITLUT_HAS_AVX512
