// SPDX-License-Identifier: MIT
// bench/ceiling_kernels.hpp - the inner loops of the machine ceilings (bench_ceiling.cpp), once
// over tritlut's ISA tags.
//
// tritlut_add_kernels(tritlut-bench EXTRA_HEADERS ceiling_kernels.hpp) compiles this header in each
// of the library's per-ISA translation units, with that ISA's flags (docs/dispatch.md, "Your own
// kernels on tritlut's dispatch"). A call with tag T picks the most derived tier that has code:
//   scalar, sse41, neon*  the plain byte sum; no ALU ceilings (alu_* are nullptr)
//   avx2, avx512*         the AVX2 byte sum and the two AVX2 ALU loops
// bench_ceiling.cpp takes the avx2 table where the CPU has AVX2, so the ceilings are those of the
// AVX2 kernels' loads and ALU on every x86 machine.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include <tritlut/dispatch/extension.hpp>
#include <tritlut/isa/isa.hpp>

#if TRITLUT_HAS_AVX2
#include <immintrin.h>
#endif

namespace bench {

struct ceiling_ops {
  // Sum of the n bytes at p (the read-bandwidth probe's inner loop).
  std::uint64_t (*sum_bytes)(const std::uint8_t* p, std::size_t n);
  // Register-only ALU loops; each returns the uops (vpaddw) or MACs (madd_paddw) executed for
  // iters > 0 iterations. nullptr where the tier has no AVX2.
  std::uint64_t (*alu_vpaddw)(std::uint64_t iters);
  std::uint64_t (*alu_madd_paddw)(std::uint64_t iters);
};

inline namespace TRITLUT_TARGET_NS {
namespace ceiling_impl {
namespace isa = ::tritlut::isa;

using alu_loop = std::uint64_t (*)(std::uint64_t iters);

inline std::uint64_t sum_bytes(const std::uint8_t* p, std::size_t n, isa::scalar) {
  std::uint64_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
  std::size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    std::uint64_t v[4];
    std::memcpy(v, p + i, 32);
    a0 += v[0];
    a1 += v[1];
    a2 += v[2];
    a3 += v[3];
  }
  for (; i < n; ++i) a0 += p[i];
  return a0 + a1 + a2 + a3;
}

constexpr alu_loop alu_vpaddw_loop(isa::scalar) { return nullptr; }
constexpr alu_loop alu_madd_paddw_loop(isa::scalar) { return nullptr; }

#if TRITLUT_HAS_AVX2
// 32-byte loads into independent accumulators, so the loop is load-bound. The range is read as
// four interleaved streams (one quarter each) with software prefetch 1 KiB ahead: on the 2-core
// Xeon VM this reads DRAM at ~33 GB/s with 2 threads where one plain stream per thread reads
// ~27-30 GB/s, so the ceiling the kernels are compared with is the higher one.
inline std::uint64_t sum_bytes(const std::uint8_t* p, std::size_t n, isa::avx2) {
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

// The vector ALU's own ceilings for the AVX2 integer kernels. Register-only asm loops, no loads:
//   vpaddw      12 independent vpaddw per iteration: the rate of simple vector uops (one per
//               vector ALU port and cycle, so uops/s / ports = the clock the kernels run at)
//   madd_paddw  6 vpmaddubsw + 6 vpaddw into 6 independent int16 accumulators per iteration: the
//               fastest an AVX2 int8 kernel can multiply-accumulate (AVX2 has no int8 dot product
//               that adds into its destination, so 32 MACs cost at least these two uops)
// Every AVX2 GEMM figure can be read against madd_paddw's MAC/s from the same run.
inline std::uint64_t alu_vpaddw(std::uint64_t iters) {
  std::uint64_t n = iters;
  __asm__ volatile(
      "vpxor %%ymm0,%%ymm0,%%ymm0\n\tvpxor %%ymm1,%%ymm1,%%ymm1\n\tvpxor %%ymm2,%%ymm2,%%ymm2\n\t"
      "vpxor %%ymm3,%%ymm3,%%ymm3\n\tvpxor %%ymm4,%%ymm4,%%ymm4\n\tvpxor %%ymm5,%%ymm5,%%ymm5\n\t"
      "vpxor %%ymm6,%%ymm6,%%ymm6\n\tvpxor %%ymm7,%%ymm7,%%ymm7\n\tvpxor %%ymm8,%%ymm8,%%ymm8\n\t"
      "vpxor %%ymm9,%%ymm9,%%ymm9\n\tvpxor %%ymm10,%%ymm10,%%ymm10\n\tvpxor %%ymm11,%%ymm11,%%ymm11\n\t"
      "vpcmpeqw %%ymm12,%%ymm12,%%ymm12\n"
      "1:\n\t"
      "vpaddw %%ymm12,%%ymm0,%%ymm0\n\tvpaddw %%ymm12,%%ymm1,%%ymm1\n\tvpaddw %%ymm12,%%ymm2,%%ymm2\n\t"
      "vpaddw %%ymm12,%%ymm3,%%ymm3\n\tvpaddw %%ymm12,%%ymm4,%%ymm4\n\tvpaddw %%ymm12,%%ymm5,%%ymm5\n\t"
      "vpaddw %%ymm12,%%ymm6,%%ymm6\n\tvpaddw %%ymm12,%%ymm7,%%ymm7\n\tvpaddw %%ymm12,%%ymm8,%%ymm8\n\t"
      "vpaddw %%ymm12,%%ymm9,%%ymm9\n\tvpaddw %%ymm12,%%ymm10,%%ymm10\n\tvpaddw %%ymm12,%%ymm11,%%ymm11\n\t"
      "dec %0\n\tjnz 1b\n\tvzeroupper"
      : "+r"(n)
      :
      : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11",
        "xmm12", "cc");
  return iters * 12;
}

inline std::uint64_t alu_madd_paddw(std::uint64_t iters) {
  std::uint64_t n = iters;
  __asm__ volatile(
      "vpxor %%ymm0,%%ymm0,%%ymm0\n\tvpxor %%ymm1,%%ymm1,%%ymm1\n\tvpxor %%ymm2,%%ymm2,%%ymm2\n\t"
      "vpxor %%ymm3,%%ymm3,%%ymm3\n\tvpxor %%ymm4,%%ymm4,%%ymm4\n\tvpxor %%ymm5,%%ymm5,%%ymm5\n\t"
      "vpxor %%ymm12,%%ymm12,%%ymm12\n\tvpxor %%ymm13,%%ymm13,%%ymm13\n\t"
      "vpxor %%ymm14,%%ymm14,%%ymm14\n\tvpxor %%ymm15,%%ymm15,%%ymm15\n"
      "1:\n\t"
      "vpmaddubsw %%ymm12,%%ymm13,%%ymm6\n\tvpmaddubsw %%ymm12,%%ymm14,%%ymm7\n\t"
      "vpmaddubsw %%ymm12,%%ymm15,%%ymm8\n\tvpmaddubsw %%ymm13,%%ymm14,%%ymm9\n\t"
      "vpmaddubsw %%ymm13,%%ymm15,%%ymm10\n\tvpmaddubsw %%ymm14,%%ymm15,%%ymm11\n\t"
      "vpaddw %%ymm6,%%ymm0,%%ymm0\n\tvpaddw %%ymm7,%%ymm1,%%ymm1\n\tvpaddw %%ymm8,%%ymm2,%%ymm2\n\t"
      "vpaddw %%ymm9,%%ymm3,%%ymm3\n\tvpaddw %%ymm10,%%ymm4,%%ymm4\n\tvpaddw %%ymm11,%%ymm5,%%ymm5\n\t"
      "dec %0\n\tjnz 1b\n\tvzeroupper"
      : "+r"(n)
      :
      : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11",
        "xmm12", "xmm13", "xmm14", "xmm15", "cc");
  return iters * 6 * 32;
}

constexpr alu_loop alu_vpaddw_loop(isa::avx2) { return &alu_vpaddw; }
constexpr alu_loop alu_madd_paddw_loop(isa::avx2) { return &alu_madd_paddw; }
#endif  // TRITLUT_HAS_AVX2

}  // namespace ceiling_impl

template <class Tag>
const ceiling_ops& ceiling_ops_for() noexcept {
  static constexpr ceiling_ops t{
      [](const std::uint8_t* p, std::size_t n) { return ceiling_impl::sum_bytes(p, n, Tag{}); },
      ceiling_impl::alu_vpaddw_loop(Tag{}), ceiling_impl::alu_madd_paddw_loop(Tag{})};
  return t;
}

}  // namespace TRITLUT_TARGET_NS
}  // namespace bench

TRITLUT_EXPORT_TABLE(::bench::ceiling_ops, ::bench::ceiling_ops_for);
