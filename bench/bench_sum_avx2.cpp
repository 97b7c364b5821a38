// SPDX-License-Identifier: MIT
// The read-bandwidth probe's inner loop, compiled with -mavx2 (bench/CMakeLists.txt) and called only
// when the CPU has AVX2: 32-byte loads into independent accumulators, so the loop is load-bound.
// The range is read as four interleaved streams (one quarter each) with software prefetch 1 KiB
// ahead: on the 2-core Xeon VM this reads DRAM at ~33 GB/s with 2 threads where one plain stream
// per thread reads ~27-30 GB/s, so the ceiling the kernels are compared with is the higher one.
#include <immintrin.h>

#include <cstddef>
#include <cstdint>

namespace bench {

std::uint64_t sum_bytes_avx2(const std::uint8_t* p, std::size_t n) {
  constexpr std::size_t streams = 4, step = 128, ahead = 1024;
  const std::size_t quarter = n / streams / step * step;
  __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
  auto ld = [](const std::uint8_t* q) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q)); };
  for (std::size_t i = 0; i < quarter; i += step)
    for (std::size_t s = 0; s < streams; ++s) {
      const std::uint8_t* q = p + s * quarter + i;
      _mm_prefetch(reinterpret_cast<const char*>(q + ahead), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(q + ahead + 64), _MM_HINT_T0);
      a0 = _mm256_add_epi64(a0, ld(q));
      a1 = _mm256_add_epi64(a1, ld(q + 32));
      a2 = _mm256_add_epi64(a2, ld(q + 64));
      a3 = _mm256_add_epi64(a3, ld(q + 96));
    }
  const __m256i s = _mm256_add_epi64(_mm256_add_epi64(a0, a1), _mm256_add_epi64(a2, a3));
  alignas(32) std::uint64_t t[4];
  _mm256_store_si256(reinterpret_cast<__m256i*>(t), s);
  std::uint64_t r = t[0] + t[1] + t[2] + t[3];
  for (std::size_t i = streams * quarter; i < n; ++i) r += p[i];
  return r;
}

}  // namespace bench
