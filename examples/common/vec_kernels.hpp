// SPDX-License-Identifier: MIT
// examples/common/vec_kernels.hpp - the vector ops of vec.hpp, once over tritlut's ISA tags.
//
// tritlut_add_kernels(trex_common EXTRA_HEADERS common/vec_kernels.hpp) compiles this header in
// each of the library's per-ISA translation units, with that ISA's flags, inside its inline target
// namespace; vec.cpp includes it too (static mode would build its tables there). Each op is an
// overload set on the tag: a call with tag T picks the most derived tier that has its own code
// (avx512_vnni -> avx512 -> avx2 -> sse41 -> scalar, neon_dotprod -> neon -> scalar), so
//   scalar, sse41      the reference loops of vec.cpp (SSE4.1 has neither F16C nor FMA)
//   avx2, avx512       AVX2 + FMA + F16C; int8 GEMV by maddubs
//   avx512_vnni        the same with an int8 GEMV by vpdpbusd
//   neon, neon_dotprod NEON F16 conversion and widening int8 multiplies (baseline ARMv8-A)
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>

#include <tritlut/arch/ops.hpp>
#include <tritlut/dispatch/extension.hpp>

#include "common/vec.hpp"

namespace trex {

// The scalar reference (vec.cpp): plain loops compiled once with the program's own flags, not
// per ISA, so every tier without code of its own runs the very same instructions.
namespace vec_ref {
float dot_f16(const std::uint16_t* a, const float* x, std::size_t n);
void axpy_f16(float s, const std::uint16_t* a, float* y, std::size_t n);
void to_f16(const float* x, std::uint16_t* y, std::size_t n);
void from_f16(const std::uint16_t* a, float* y, std::size_t n);
void gemv_f16(const std::uint16_t* w, std::size_t ld, const float* x, std::size_t k, float* y, std::size_t r0,
              std::size_t r1);
void gemv_q8(const std::int8_t* w, const float* wscale, std::size_t ld, const std::int8_t* xq, float xs,
             std::size_t k, float* y, std::size_t r0, std::size_t r1);
}  // namespace vec_ref

inline namespace TRITLUT_TARGET_NS {
namespace vec_impl {
namespace isa = ::tritlut::isa;

inline float dot_f16(const std::uint16_t* a, const float* x, std::size_t n, isa::scalar) {
  return vec_ref::dot_f16(a, x, n);
}
inline void axpy_f16(float s, const std::uint16_t* a, float* y, std::size_t n, isa::scalar) {
  vec_ref::axpy_f16(s, a, y, n);
}
inline void to_f16(const float* x, std::uint16_t* y, std::size_t n, isa::scalar) { vec_ref::to_f16(x, y, n); }
inline void from_f16(const std::uint16_t* a, float* y, std::size_t n, isa::scalar) { vec_ref::from_f16(a, y, n); }
inline void gemv_f16(const std::uint16_t* w, std::size_t ld, const float* x, std::size_t k, float* y, std::size_t r0,
                     std::size_t r1, isa::scalar) {
  vec_ref::gemv_f16(w, ld, x, k, y, r0, r1);
}
inline void gemv_q8(const std::int8_t* w, const float* wscale, std::size_t ld, const std::int8_t* xq, float xs,
                    std::size_t k, float* y, std::size_t r0, std::size_t r1, isa::scalar) {
  vec_ref::gemv_q8(w, wscale, ld, xq, xs, k, y, r0, r1);
}

// The SIMD tiers' scalar tails are fused multiply-adds, written out: g++ contracted them
// (-ffp-contract=fast) in some inlining contexts and not in others, and the results must not
// depend on that.
inline float fmadd(float a, float b, float c) { return std::fma(a, b, c); }

#if TRITLUT_HAS_AVX2
// The float horizontal sum in this association ((0+4)+(2+6)) + ((1+5)+(3+7)): the results are
// pinned by it (tritlut's arch/ has integer sums only).
inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

inline __m256 load_f16(const std::uint16_t* p) {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}

inline float dot_f16(const std::uint16_t* a, const float* x, std::size_t n, isa::avx2) {
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    s0 = _mm256_fmadd_ps(load_f16(a + i), _mm256_loadu_ps(x + i), s0);
    s1 = _mm256_fmadd_ps(load_f16(a + i + 8), _mm256_loadu_ps(x + i + 8), s1);
  }
  for (; i + 8 <= n; i += 8) s0 = _mm256_fmadd_ps(load_f16(a + i), _mm256_loadu_ps(x + i), s0);
  float s = hsum(_mm256_add_ps(s0, s1));
  for (; i < n; ++i) s = fmadd(_cvtsh_ss(a[i]), x[i], s);
  return s;
}

inline void axpy_f16(float s, const std::uint16_t* a, float* y, std::size_t n, isa::avx2) {
  const __m256 vs = _mm256_set1_ps(s);
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_fmadd_ps(vs, load_f16(a + i), _mm256_loadu_ps(y + i)));
  for (; i < n; ++i) y[i] = fmadd(s, _cvtsh_ss(a[i]), y[i]);
}

inline void to_f16(const float* x, std::uint16_t* y, std::size_t n, isa::avx2) {
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm_storeu_si128(reinterpret_cast<__m128i*>(y + i), _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT));
  // Not _cvtss_sh: clang 14 defines it as a macro with a compound literal (-Wc99-extensions).
  for (; i < n; ++i)
    y[i] = static_cast<std::uint16_t>(_mm_extract_epi16(_mm_cvtps_ph(_mm_set_ss(x[i]), _MM_FROUND_TO_NEAREST_INT), 0));
}

inline void from_f16(const std::uint16_t* a, float* y, std::size_t n, isa::avx2) {
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, load_f16(a + i));
  for (; i < n; ++i) y[i] = _cvtsh_ss(a[i]);
}

// Four rows at a time: x is loaded once per four rows (the rows stream from DRAM, x stays in L1).
inline void gemv_f16(const std::uint16_t* w, std::size_t ld, const float* x, std::size_t k, float* y, std::size_t r0,
                     std::size_t r1, isa::avx2) {
  std::size_t r = r0;
  const std::size_t k8 = k / 8 * 8;
  for (; r + 4 <= r1; r += 4) {
    const std::uint16_t* a0 = w + r * ld;
    const std::uint16_t* a1 = a0 + ld;
    const std::uint16_t* a2 = a1 + ld;
    const std::uint16_t* a3 = a2 + ld;
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps(), s2 = _mm256_setzero_ps(), s3 = _mm256_setzero_ps();
    for (std::size_t i = 0; i < k8; i += 8) {
      if ((i & 31) == 0) {  // once per 64-byte line: fetch the next four rows while these compute
        _mm_prefetch(reinterpret_cast<const char*>(a0 + 4 * ld + i), _MM_HINT_T0);
        _mm_prefetch(reinterpret_cast<const char*>(a1 + 4 * ld + i), _MM_HINT_T0);
        _mm_prefetch(reinterpret_cast<const char*>(a2 + 4 * ld + i), _MM_HINT_T0);
        _mm_prefetch(reinterpret_cast<const char*>(a3 + 4 * ld + i), _MM_HINT_T0);
      }
      const __m256 xv = _mm256_loadu_ps(x + i);
      s0 = _mm256_fmadd_ps(load_f16(a0 + i), xv, s0);
      s1 = _mm256_fmadd_ps(load_f16(a1 + i), xv, s1);
      s2 = _mm256_fmadd_ps(load_f16(a2 + i), xv, s2);
      s3 = _mm256_fmadd_ps(load_f16(a3 + i), xv, s3);
    }
    float t[4] = {hsum(s0), hsum(s1), hsum(s2), hsum(s3)};
    for (std::size_t i = k8; i < k; ++i) {
      t[0] = fmadd(_cvtsh_ss(a0[i]), x[i], t[0]);
      t[1] = fmadd(_cvtsh_ss(a1[i]), x[i], t[1]);
      t[2] = fmadd(_cvtsh_ss(a2[i]), x[i], t[2]);
      t[3] = fmadd(_cvtsh_ss(a3[i]), x[i], t[3]);
    }
    for (int j = 0; j < 4; ++j) y[r - r0 + j] = t[j];
  }
  for (; r < r1; ++r) y[r - r0] = dot_f16(w + r * ld, x, k, isa::avx2{});
}

// int8 x int8 with maddubs: |w| (unsigned) times x carrying w's sign. |products| <= 127*127, so
// a pair sum stays below 2^15 (no saturation); madd with ones widens to int32.
inline __m256i dot32(__m256i wv, __m256i xv, __m256i acc) {
  const __m256i aw = _mm256_sign_epi8(wv, wv);
  const __m256i sx = _mm256_sign_epi8(xv, wv);
  const __m256i p16 = _mm256_maddubs_epi16(aw, sx);
  return _mm256_add_epi32(acc, _mm256_madd_epi16(p16, _mm256_set1_epi16(1)));
}

inline void gemv_q8(const std::int8_t* w, const float* wscale, std::size_t ld, const std::int8_t* xq, float xs,
                    std::size_t k, float* y, std::size_t r0, std::size_t r1, isa::avx2) {
  using ops = ::tritlut::arch::simd_ops<isa::avx2>;
  const std::size_t k32 = k / 32 * 32;
  std::size_t r = r0;
  auto ld32 = [](const std::int8_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); };
  auto tail = [&](const std::int8_t* row) {
    std::int32_t d = 0;
    for (std::size_t i = k32; i < k; ++i) d += std::int32_t(row[i]) * std::int32_t(xq[i]);
    return d;
  };
  for (; r + 4 <= r1; r += 4) {
    const std::int8_t* a0 = w + r * ld;
    __m256i s0 = _mm256_setzero_si256(), s1 = s0, s2 = s0, s3 = s0;
    for (std::size_t i = 0; i < k32; i += 32) {
      if ((i & 63) == 0) {  // once per 64-byte line: fetch the next four rows while these compute
        _mm_prefetch(reinterpret_cast<const char*>(a0 + 4 * ld + i), _MM_HINT_T0);
        _mm_prefetch(reinterpret_cast<const char*>(a0 + 5 * ld + i), _MM_HINT_T0);
        _mm_prefetch(reinterpret_cast<const char*>(a0 + 6 * ld + i), _MM_HINT_T0);
        _mm_prefetch(reinterpret_cast<const char*>(a0 + 7 * ld + i), _MM_HINT_T0);
      }
      const __m256i xv = ld32(xq + i);
      s0 = dot32(ld32(a0 + i), xv, s0);
      s1 = dot32(ld32(a0 + ld + i), xv, s1);
      s2 = dot32(ld32(a0 + 2 * ld + i), xv, s2);
      s3 = dot32(ld32(a0 + 3 * ld + i), xv, s3);
    }
    const std::int32_t d[4] = {ops::hsum(s0) + tail(a0), ops::hsum(s1) + tail(a0 + ld),
                               ops::hsum(s2) + tail(a0 + 2 * ld), ops::hsum(s3) + tail(a0 + 3 * ld)};
    for (int j = 0; j < 4; ++j) y[r - r0 + j] = (static_cast<float>(d[j]) / xs) * wscale[r + j];
  }
  for (; r < r1; ++r) {
    const std::int8_t* a = w + r * ld;
    __m256i s = _mm256_setzero_si256();
    for (std::size_t i = 0; i < k32; i += 32) s = dot32(ld32(a + i), ld32(xq + i), s);
    y[r - r0] = (static_cast<float>(ops::hsum(s) + tail(a)) / xs) * wscale[r];
  }
}
#endif  // TRITLUT_HAS_AVX2

#if TRITLUT_HAS_AVX512_VNNI
// vpdpbusd multiplies unsigned by signed bytes. The weights are signed, so each weight byte is
// flipped to w + 128 (xor 0x80): sum (w + 128) * x = sum w * x + 128 * sum x, and sum x is paid once
// per call. Exact: |sum| <= 255 * 127 * k, far below 2^31 for any lm_head width.
inline void gemv_q8(const std::int8_t* w, const float* wscale, std::size_t ld, const std::int8_t* xq, float xs,
                    std::size_t k, float* y, std::size_t r0, std::size_t r1, isa::avx512_vnni) {
  using ops = ::tritlut::arch::simd_ops<isa::avx512_vnni>;
  const std::size_t k64 = k / 64 * 64;
  std::int32_t xsum = 0;
  for (std::size_t i = 0; i < k64; ++i) xsum += xq[i];
  const std::int32_t bias = 128 * xsum;
  const __m512i flip = _mm512_set1_epi8(static_cast<char>(0x80));
  auto ld64 = [](const std::int8_t* p) { return _mm512_loadu_si512(p); };
  auto tail = [&](const std::int8_t* row) {
    std::int32_t d = 0;
    for (std::size_t i = k64; i < k; ++i) d += std::int32_t(row[i]) * std::int32_t(xq[i]);
    return d;
  };
  auto store = [&](std::size_t r, std::int32_t raw) {
    y[r - r0] = (static_cast<float>(raw - bias) / xs) * wscale[r];
  };
  std::size_t r = r0;
  for (; r + 4 <= r1; r += 4) {
    const std::int8_t* a0 = w + r * ld;
    __m512i s0 = _mm512_setzero_si512(), s1 = s0, s2 = s0, s3 = s0;
    for (std::size_t i = 0; i < k64; i += 64) {
      // The next four rows stream in while these compute (one line per row per step).
      _mm_prefetch(reinterpret_cast<const char*>(a0 + 4 * ld + i), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(a0 + 5 * ld + i), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(a0 + 6 * ld + i), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(a0 + 7 * ld + i), _MM_HINT_T0);
      const __m512i xv = ld64(xq + i);
      s0 = _mm512_dpbusd_epi32(s0, _mm512_xor_si512(ld64(a0 + i), flip), xv);
      s1 = _mm512_dpbusd_epi32(s1, _mm512_xor_si512(ld64(a0 + ld + i), flip), xv);
      s2 = _mm512_dpbusd_epi32(s2, _mm512_xor_si512(ld64(a0 + 2 * ld + i), flip), xv);
      s3 = _mm512_dpbusd_epi32(s3, _mm512_xor_si512(ld64(a0 + 3 * ld + i), flip), xv);
    }
    store(r, ops::hsum(s0) + tail(a0));
    store(r + 1, ops::hsum(s1) + tail(a0 + ld));
    store(r + 2, ops::hsum(s2) + tail(a0 + 2 * ld));
    store(r + 3, ops::hsum(s3) + tail(a0 + 3 * ld));
  }
  for (; r < r1; ++r) {
    const std::int8_t* a = w + r * ld;
    __m512i s = _mm512_setzero_si512();
    for (std::size_t i = 0; i < k64; i += 64) s = _mm512_dpbusd_epi32(s, _mm512_xor_si512(ld64(a + i), flip), ld64(xq + i));
    store(r, ops::hsum(s) + tail(a));
  }
}
#endif  // TRITLUT_HAS_AVX512_VNNI

#if TRITLUT_HAS_NEON
inline float32x4_t load_f16x4(const std::uint16_t* p) { return vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(p))); }
inline float to_f32(std::uint16_t h) { return vgetq_lane_f32(vcvt_f32_f16(vreinterpret_f16_u16(vdup_n_u16(h))), 0); }

inline float dot_f16(const std::uint16_t* a, const float* x, std::size_t n, isa::neon) {
  float32x4_t s0 = vdupq_n_f32(0), s1 = vdupq_n_f32(0);
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    s0 = vfmaq_f32(s0, load_f16x4(a + i), vld1q_f32(x + i));
    s1 = vfmaq_f32(s1, load_f16x4(a + i + 4), vld1q_f32(x + i + 4));
  }
  float s = vaddvq_f32(vaddq_f32(s0, s1));
  for (; i < n; ++i) s = fmadd(to_f32(a[i]), x[i], s);
  return s;
}

inline void axpy_f16(float s, const std::uint16_t* a, float* y, std::size_t n, isa::neon) {
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) vst1q_f32(y + i, vfmaq_n_f32(vld1q_f32(y + i), load_f16x4(a + i), s));
  for (; i < n; ++i) y[i] = fmadd(s, to_f32(a[i]), y[i]);
}

inline void to_f16(const float* x, std::uint16_t* y, std::size_t n, isa::neon) {
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) vst1_u16(y + i, vreinterpret_u16_f16(vcvt_f16_f32(vld1q_f32(x + i))));
  for (; i < n; ++i) {
    float t[4] = {x[i], 0, 0, 0};
    std::uint16_t o[4];
    vst1_u16(o, vreinterpret_u16_f16(vcvt_f16_f32(vld1q_f32(t))));
    y[i] = o[0];
  }
}

inline void from_f16(const std::uint16_t* a, float* y, std::size_t n, isa::neon) {
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) vst1q_f32(y + i, load_f16x4(a + i));
  for (; i < n; ++i) y[i] = to_f32(a[i]);
}

inline void gemv_f16(const std::uint16_t* w, std::size_t ld, const float* x, std::size_t k, float* y, std::size_t r0,
                     std::size_t r1, isa::neon) {
  for (std::size_t r = r0; r < r1; ++r) y[r - r0] = dot_f16(w + r * ld, x, k, isa::neon{});
}

inline void gemv_q8(const std::int8_t* w, const float* wscale, std::size_t ld, const std::int8_t* xq, float xs,
                    std::size_t k, float* y, std::size_t r0, std::size_t r1, isa::neon) {
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
#endif  // TRITLUT_HAS_NEON

// The table's entries: plain signatures, the tag fixed.
template <class Tag>
struct entries {
  static float dot_f16(const std::uint16_t* a, const float* x, std::size_t n) {
    return vec_impl::dot_f16(a, x, n, Tag{});
  }
  static void axpy_f16(float s, const std::uint16_t* a, float* y, std::size_t n) {
    vec_impl::axpy_f16(s, a, y, n, Tag{});
  }
  static void to_f16(const float* x, std::uint16_t* y, std::size_t n) { vec_impl::to_f16(x, y, n, Tag{}); }
  static void from_f16(const std::uint16_t* a, float* y, std::size_t n) { vec_impl::from_f16(a, y, n, Tag{}); }
  static void gemv_f16(const std::uint16_t* w, std::size_t ld, const float* x, std::size_t k, float* y,
                       std::size_t r0, std::size_t r1) {
    vec_impl::gemv_f16(w, ld, x, k, y, r0, r1, Tag{});
  }
  static void gemv_q8(const std::int8_t* w, const float* wscale, std::size_t ld, const std::int8_t* xq, float xs,
                      std::size_t k, float* y, std::size_t r0, std::size_t r1) {
    vec_impl::gemv_q8(w, wscale, ld, xq, xs, k, y, r0, r1, Tag{});
  }
};

}  // namespace vec_impl

template <class Tag>
const vec_ops& vec_table() noexcept {
  using e = vec_impl::entries<Tag>;
  static constexpr vec_ops t{Tag::name.data(), &e::dot_f16, &e::axpy_f16, &e::to_f16, &e::from_f16,
                             &e::gemv_f16,     &e::gemv_q8};
  return t;
}

}  // namespace TRITLUT_TARGET_NS
}  // namespace trex

TRITLUT_EXPORT_TABLE(::trex::vec_ops, ::trex::vec_table);
