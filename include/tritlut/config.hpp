// SPDX-License-Identifier: MIT
// tritlut/config.hpp - compiler and ISA detection, the per-target inline namespace, common macros.
#pragma once

#include "version.hpp"

#if defined(__GNUC__) || defined(__clang__)
#define TRITLUT_INLINE inline __attribute__((always_inline))
#define TRITLUT_INLINE_LAMBDA __attribute__((always_inline))
#define TRITLUT_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define TRITLUT_INLINE inline
#define TRITLUT_INLINE_LAMBDA
#define TRITLUT_UNLIKELY(x) (x)
#endif

// Full unrolling of the small constant loops over a register tile, so the accumulators stay in
// registers: GCC only peels such loops completely at -O3, clang does it at -O2 already.
#if defined(__clang__)
#define TRITLUT_UNROLL _Pragma("unroll")
#elif defined(__GNUC__)
#define TRITLUT_UNROLL _Pragma("GCC unroll 16")
#else
#define TRITLUT_UNROLL
#endif

#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__)
#define TRITLUT_ARCH_X86 1
#else
#define TRITLUT_ARCH_X86 0
#endif
#if defined(__aarch64__) || defined(_M_ARM64)
#define TRITLUT_ARCH_ARM64 1
#else
#define TRITLUT_ARCH_ARM64 0
#endif

// Which ISA tiers this translation unit's compiler flags allow. A tier needs all features its
// kernels use: sse41 = SSSE3 (pshufb, pmaddubsw) + SSE4.1; avx2 = AVX2 + FMA + F16C;
// avx512 = F + BW + VL + DQ + CD (x86-64-v4; xsimd >= 13 rejects DQ without CD); avx512_vnni
// additionally AVX512-VNNI; neon_dotprod = SDOT/UDOT.
#if TRITLUT_ARCH_X86 && defined(__SSSE3__) && defined(__SSE4_1__)
#define TRITLUT_HAS_SSE41 1
#else
#define TRITLUT_HAS_SSE41 0
#endif
#if TRITLUT_HAS_SSE41 && defined(__AVX2__) && defined(__FMA__) && defined(__F16C__)
#define TRITLUT_HAS_AVX2 1
#else
#define TRITLUT_HAS_AVX2 0
#endif
#if TRITLUT_HAS_AVX2 && defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__) && \
    defined(__AVX512DQ__) && defined(__AVX512CD__)
#define TRITLUT_HAS_AVX512 1
#else
#define TRITLUT_HAS_AVX512 0
#endif
#if TRITLUT_HAS_AVX512 && defined(__AVX512VNNI__)
#define TRITLUT_HAS_AVX512_VNNI 1
#else
#define TRITLUT_HAS_AVX512_VNNI 0
#endif
#if TRITLUT_ARCH_ARM64 && (defined(__ARM_NEON) || defined(__ARM_NEON__))
#define TRITLUT_HAS_NEON 1
#else
#define TRITLUT_HAS_NEON 0
#endif
#if TRITLUT_HAS_NEON && defined(__ARM_FEATURE_DOTPROD)
#define TRITLUT_HAS_NEON_DOTPROD 1
#else
#define TRITLUT_HAS_NEON_DOTPROD 0
#endif

// Every function that may be compiled with ISA-specific flags lives in this inline namespace, named
// after the flags of the translation unit. Without it, an inline function instantiated in the AVX2
// kernel TU (VEX-encoded) could be picked by the linker for the baseline TU's call and SIGILL on an
// SSE-only CPU (the Highway per-target-namespace idea). Types shared across TUs (views, enums,
// the kernel table) live outside it.
#if TRITLUT_HAS_AVX512_VNNI
#define TRITLUT_TARGET_NS target_avx512vnni
#elif TRITLUT_HAS_AVX512
#define TRITLUT_TARGET_NS target_avx512
#elif TRITLUT_HAS_AVX2
#define TRITLUT_TARGET_NS target_avx2
#elif TRITLUT_HAS_SSE41
#define TRITLUT_TARGET_NS target_sse41
#elif TRITLUT_HAS_NEON_DOTPROD
#define TRITLUT_TARGET_NS target_neondotprod
#elif TRITLUT_HAS_NEON
#define TRITLUT_TARGET_NS target_neon
#else
#define TRITLUT_TARGET_NS target_base
#endif

#define TRITLUT_BEGIN_TARGET_NS \
  namespace tritlut {           \
  inline namespace TRITLUT_TARGET_NS {
#define TRITLUT_END_TARGET_NS \
  }                           \
  }
