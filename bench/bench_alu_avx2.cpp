// SPDX-License-Identifier: MIT
// The vector ALU's own ceilings for the AVX2 integer kernels, compiled with -mavx2
// (bench/CMakeLists.txt) and run only when the CPU has AVX2. Register-only asm loops, no loads:
//   vpaddw      12 independent vpaddw per iteration: the rate of simple vector uops (one per
//               vector ALU port and cycle, so uops/s / ports = the clock the kernels run at)
//   madd_paddw  6 vpmaddubsw + 6 vpaddw into 6 independent int16 accumulators per iteration: the
//               fastest an AVX2 int8 kernel can multiply-accumulate (AVX2 has no int8 dot product
//               that adds into its destination, so 32 MACs cost at least these two uops)
// Every AVX2 GEMM figure can be read against madd_paddw's MAC/s from the same run.
#include <cstdint>

namespace bench {

// Each returns the number of uops (vpaddw) or MACs (madd_paddw) executed; iters > 0.
std::uint64_t alu_vpaddw_avx2(std::uint64_t iters) {
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

std::uint64_t alu_madd_paddw_avx2(std::uint64_t iters) {
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

}  // namespace bench
