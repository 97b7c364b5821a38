// SPDX-License-Identifier: MIT
// tests/api/ext_kernels.hpp - a user table on tritlut's dispatch (dispatch/extension.hpp). In
// runtime mode tritlut_add_kernels(tritlut_tests EXTRA_HEADERS api/ext_kernels.hpp) compiles it
// in every per-ISA TU; in static mode the test TU instantiates it for its own tiers.
#pragma once

#include <cstddef>
#include <cstdint>

#include <tritlut/arch/ops.hpp>
#include <tritlut/dispatch/extension.hpp>

namespace ext_test {

struct probe_ops {
  tritlut::isa_id (*tag)();      // the tag the table was made for
  tritlut::isa_id (*tu_best)();  // the best ISA the flags of the TU that compiled it enable
  const char* (*path)();         // which overload the tag reached
  std::int32_t (*dot)(const std::int8_t* a, const std::int8_t* b, std::size_t n);
};

inline namespace TRITLUT_TARGET_NS {

inline const char* path(tritlut::isa::scalar) { return "generic"; }
inline std::int32_t dot(const std::int8_t* a, const std::int8_t* b, std::size_t n, tritlut::isa::scalar) {
  std::int32_t s = 0;
  for (std::size_t i = 0; i < n; ++i) s += std::int32_t(a[i]) * std::int32_t(b[i]);
  return s;
}

#if TRITLUT_HAS_AVX2
inline const char* path(tritlut::isa::avx2) { return "avx2"; }
inline std::int32_t dot(const std::int8_t* a, const std::int8_t* b, std::size_t n, tritlut::isa::avx2) {
  __m256i acc = _mm256_setzero_si256();
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m256i x = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(a + i)));
    const __m256i y = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b + i)));
    acc = _mm256_add_epi32(acc, _mm256_madd_epi16(x, y));
  }
  std::int32_t s = tritlut::arch::simd_ops<tritlut::isa::avx2>::hsum(acc);
  for (; i < n; ++i) s += std::int32_t(a[i]) * std::int32_t(b[i]);
  return s;
}
#endif

#if TRITLUT_HAS_NEON
inline const char* path(tritlut::isa::neon) { return "neon"; }
inline std::int32_t dot(const std::int8_t* a, const std::int8_t* b, std::size_t n, tritlut::isa::neon) {
  int32x4_t acc = vdupq_n_s32(0);
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) acc = vpadalq_s16(acc, vmull_s8(vld1_s8(a + i), vld1_s8(b + i)));
  std::int32_t s = vaddvq_s32(acc);
  for (; i < n; ++i) s += std::int32_t(a[i]) * std::int32_t(b[i]);
  return s;
}
#endif

template <class Tag>
const probe_ops& probe_table() noexcept {
  static constexpr probe_ops t{
      [] { return Tag::id; },
      [] { return tritlut::isa::best::id; },
      [] { return path(Tag{}); },
      [](const std::int8_t* a, const std::int8_t* b, std::size_t n) { return dot(a, b, n, Tag{}); }};
  return t;
}

}  // namespace TRITLUT_TARGET_NS
}  // namespace ext_test

TRITLUT_EXPORT_TABLE(::ext_test::probe_ops, ::ext_test::probe_table);
