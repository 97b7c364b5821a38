// SPDX-License-Identifier: MIT
// examples/common/vec_avx512.cpp - the int8 lm_head GEMV with AVX-512 VNNI (vpdpbusd). Built with
// -mavx512f -mavx512bw -mavx512vnni on x86-64 (examples/CMakeLists.txt); vec() hands it out only
// when tritlut's active ISA is avx512_vnni. The other ops are the AVX2 table's.
// Elsewhere this file only defines vec_avx512_vnni() = nullptr.
#include "common/vec.hpp"

#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VNNI__)
#include <immintrin.h>

namespace trex {

namespace {

// Not _mm512_reduce_add_epi32: GCC 12's header trips -Wmaybe-uninitialized on it.
inline std::int32_t hsum_i32(__m512i v) {
  const __m256i h = _mm256_add_epi32(_mm512_castsi512_si256(v), _mm512_extracti64x4_epi64(v, 1));
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
  return _mm_cvtsi128_si32(s);
}

// vpdpbusd multiplies unsigned by signed bytes. The weights are signed, so each weight byte is
// flipped to w + 128 (xor 0x80): sum (w + 128) * x = sum w * x + 128 * sum x, and sum x is paid once
// per call. Exact: |sum| <= 255 * 127 * k, far below 2^31 for any lm_head width.
void gemv_q8(const std::int8_t* w, const float* wscale, std::size_t ld, const std::int8_t* xq, float xs, std::size_t k,
             float* y, std::size_t r0, std::size_t r1) {
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
    store(r, hsum_i32(s0) + tail(a0));
    store(r + 1, hsum_i32(s1) + tail(a0 + ld));
    store(r + 2, hsum_i32(s2) + tail(a0 + 2 * ld));
    store(r + 3, hsum_i32(s3) + tail(a0 + 3 * ld));
  }
  for (; r < r1; ++r) {
    const std::int8_t* a = w + r * ld;
    __m512i s = _mm512_setzero_si512();
    for (std::size_t i = 0; i < k64; i += 64) s = _mm512_dpbusd_epi32(s, _mm512_xor_si512(ld64(a + i), flip), ld64(xq + i));
    store(r, hsum_i32(s) + tail(a));
  }
}

}  // namespace

const vec_ops* vec_avx512_vnni() {
  const vec_ops* base = vec_avx2();
  if (!base) return nullptr;
  static const vec_ops ops = [base] {
    vec_ops o = *base;
    o.name = "avx512_vnni";
    o.gemv_q8 = gemv_q8;
    return o;
  }();
  return &ops;
}

}  // namespace trex

#else

namespace trex {
const vec_ops* vec_avx512_vnni() { return nullptr; }
}  // namespace trex

#endif
