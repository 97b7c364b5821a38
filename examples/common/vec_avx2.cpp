// SPDX-License-Identifier: MIT
// examples/common/vec_avx2.cpp - AVX2 + FMA + F16C vector ops. Built with -mavx2 -mfma -mf16c on x86-64
// (examples/CMakeLists.txt); vec() hands it out only when the CPU has AVX2 (which implies F16C/FMA on
// every AVX2 CPU shipped). Elsewhere this file only defines vec_avx2() = nullptr.
#include "common/vec.hpp"

#if defined(__AVX2__) && defined(__F16C__) && defined(__FMA__)
#include <immintrin.h>

namespace trex {

namespace {

inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

inline __m256 load_f16(const std::uint16_t* p) {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}

float dot_f16(const std::uint16_t* a, const float* x, std::size_t n) {
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    s0 = _mm256_fmadd_ps(load_f16(a + i), _mm256_loadu_ps(x + i), s0);
    s1 = _mm256_fmadd_ps(load_f16(a + i + 8), _mm256_loadu_ps(x + i + 8), s1);
  }
  for (; i + 8 <= n; i += 8) s0 = _mm256_fmadd_ps(load_f16(a + i), _mm256_loadu_ps(x + i), s0);
  float s = hsum(_mm256_add_ps(s0, s1));
  for (; i < n; ++i) s += _cvtsh_ss(a[i]) * x[i];
  return s;
}

void axpy_f16(float s, const std::uint16_t* a, float* y, std::size_t n) {
  const __m256 vs = _mm256_set1_ps(s);
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_fmadd_ps(vs, load_f16(a + i), _mm256_loadu_ps(y + i)));
  for (; i < n; ++i) y[i] += s * _cvtsh_ss(a[i]);
}

void to_f16(const float* x, std::uint16_t* y, std::size_t n) {
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm_storeu_si128(reinterpret_cast<__m128i*>(y + i), _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT));
  // Not _cvtss_sh: clang 14 defines it as a macro with a compound literal (-Wc99-extensions).
  for (; i < n; ++i)
    y[i] = static_cast<std::uint16_t>(_mm_extract_epi16(_mm_cvtps_ph(_mm_set_ss(x[i]), _MM_FROUND_TO_NEAREST_INT), 0));
}

void from_f16(const std::uint16_t* a, float* y, std::size_t n) {
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, load_f16(a + i));
  for (; i < n; ++i) y[i] = _cvtsh_ss(a[i]);
}

// Four rows at a time: x is loaded once per four rows (the rows stream from DRAM, x stays in L1).
void gemv_f16(const std::uint16_t* w, std::size_t ld, const float* x, std::size_t k, float* y, std::size_t r0,
              std::size_t r1) {
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
      t[0] += _cvtsh_ss(a0[i]) * x[i];
      t[1] += _cvtsh_ss(a1[i]) * x[i];
      t[2] += _cvtsh_ss(a2[i]) * x[i];
      t[3] += _cvtsh_ss(a3[i]) * x[i];
    }
    for (int j = 0; j < 4; ++j) y[r - r0 + j] = t[j];
  }
  for (; r < r1; ++r) y[r - r0] = dot_f16(w + r * ld, x, k);
}

// int8 x int8 with maddubs: |w| (unsigned) times x carrying w's sign. |products| <= 127*127, so
// a pair sum stays below 2^15 (no saturation); madd with ones widens to int32.
inline __m256i dot32(__m256i wv, __m256i xv, __m256i acc) {
  const __m256i aw = _mm256_sign_epi8(wv, wv);
  const __m256i sx = _mm256_sign_epi8(xv, wv);
  const __m256i p16 = _mm256_maddubs_epi16(aw, sx);
  return _mm256_add_epi32(acc, _mm256_madd_epi16(p16, _mm256_set1_epi16(1)));
}
inline std::int32_t hsum_i32(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
  return _mm_cvtsi128_si32(s);
}

void gemv_q8(const std::int8_t* w, const float* wscale, std::size_t ld, const std::int8_t* xq, float xs, std::size_t k,
             float* y, std::size_t r0, std::size_t r1) {
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
    const std::int32_t d[4] = {hsum_i32(s0) + tail(a0), hsum_i32(s1) + tail(a0 + ld), hsum_i32(s2) + tail(a0 + 2 * ld),
                               hsum_i32(s3) + tail(a0 + 3 * ld)};
    for (int j = 0; j < 4; ++j) y[r - r0 + j] = (static_cast<float>(d[j]) / xs) * wscale[r + j];
  }
  for (; r < r1; ++r) {
    const std::int8_t* a = w + r * ld;
    __m256i s = _mm256_setzero_si256();
    for (std::size_t i = 0; i < k32; i += 32) s = dot32(ld32(a + i), ld32(xq + i), s);
    y[r - r0] = (static_cast<float>(hsum_i32(s) + tail(a)) / xs) * wscale[r];
  }
}

}  // namespace

const vec_ops* vec_avx2() {
  static const vec_ops ops{"avx2", dot_f16, axpy_f16, to_f16, from_f16, gemv_f16, gemv_q8};
  return &ops;
}

}  // namespace trex

#else

namespace trex {
const vec_ops* vec_avx2() { return nullptr; }
}  // namespace trex

#endif
