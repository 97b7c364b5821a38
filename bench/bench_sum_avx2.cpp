// SPDX-License-Identifier: MIT
// The read-bandwidth probe's inner loop, compiled with -mavx2 (bench/CMakeLists.txt) and called only
// when the CPU has AVX2: 32-byte loads, four independent accumulators, so the loop is load-bound.
#include <immintrin.h>

#include <cstddef>
#include <cstdint>

namespace bench {

std::uint64_t sum_bytes_avx2(const std::uint8_t* p, std::size_t n) {
  __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
  std::size_t i = 0;
  for (; i + 128 <= n; i += 128) {
    a0 = _mm256_add_epi64(a0, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i)));
    a1 = _mm256_add_epi64(a1, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i + 32)));
    a2 = _mm256_add_epi64(a2, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i + 64)));
    a3 = _mm256_add_epi64(a3, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i + 96)));
  }
  const __m256i s = _mm256_add_epi64(_mm256_add_epi64(a0, a1), _mm256_add_epi64(a2, a3));
  alignas(32) std::uint64_t t[4];
  _mm256_store_si256(reinterpret_cast<__m256i*>(t), s);
  std::uint64_t r = t[0] + t[1] + t[2] + t[3];
  for (; i < n; ++i) r += p[i];
  return r;
}

}  // namespace bench
