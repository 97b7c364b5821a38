// SPDX-License-Identifier: MIT
// tritlut/isa/cpu.hpp - runtime CPU feature detection (cpuid + xgetbv on x86, getauxval on Linux/AArch64).
//
// xsimd 8.1's detection does no XGETBV check and knows neither VNNI nor dotprod, so we do our own.
#pragma once

#include <cstdint>

#include "isa.hpp"

#if TRITLUT_ARCH_X86
#include <cpuid.h>
#endif
#if TRITLUT_ARCH_ARM64 && defined(__linux__)
#include <sys/auxv.h>
#endif

namespace tritlut {

struct cpu_features {
  bool ssse3 = false, sse41 = false, avx = false, avx2 = false, fma = false, f16c = false;
  bool avx512f = false, avx512bw = false, avx512vl = false, avx512dq = false, avx512cd = false, avx512vnni = false;
  bool neon = false, dotprod = false, i8mm = false, fp16 = false;
};

}  // namespace tritlut

TRITLUT_BEGIN_TARGET_NS
namespace detail {

#if TRITLUT_ARCH_X86
// XCR0 read without the -mxsave flag (xgetbv with ecx = 0).
inline std::uint64_t read_xcr0() noexcept {
  std::uint32_t eax = 0, edx = 0;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<std::uint64_t>(edx) << 32) | eax;
}
#endif

inline cpu_features detect_cpu() noexcept {
  cpu_features f;
#if TRITLUT_ARCH_X86
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return f;
  f.ssse3 = (c >> 9) & 1;
  f.sse41 = (c >> 19) & 1;
  f.fma = (c >> 12) & 1;
  f.f16c = (c >> 29) & 1;
  const bool osxsave = (c >> 27) & 1;
  const bool cpu_avx = (c >> 28) & 1;
  std::uint64_t xcr0 = osxsave ? read_xcr0() : 0;
  const bool os_avx = (xcr0 & 0x6) == 0x6;       // XMM and YMM state saved by the OS
  const bool os_avx512 = (xcr0 & 0xE6) == 0xE6;  // + opmask, ZMM_Hi256, Hi16_ZMM
  f.avx = cpu_avx && os_avx;
  f.fma = f.fma && f.avx;
  f.f16c = f.f16c && f.avx;
  unsigned max_leaf = __get_cpuid_max(0, nullptr);
  if (max_leaf >= 7) {
    __cpuid_count(7, 0, a, b, c, d);
    f.avx2 = f.avx && ((b >> 5) & 1);
    f.avx512f = os_avx512 && ((b >> 16) & 1);
    f.avx512dq = f.avx512f && ((b >> 17) & 1);
    f.avx512cd = f.avx512f && ((b >> 28) & 1);
    f.avx512bw = f.avx512f && ((b >> 30) & 1);
    f.avx512vl = f.avx512f && ((b >> 31) & 1);
    f.avx512vnni = f.avx512f && ((c >> 11) & 1);
  }
#elif TRITLUT_ARCH_ARM64
  f.neon = true;  // Advanced SIMD is mandatory on AArch64
#if defined(__linux__)
  const unsigned long hw = getauxval(AT_HWCAP);
  const unsigned long hw2 = getauxval(AT_HWCAP2);
  f.fp16 = (hw >> 9) & 1;      // HWCAP_FPHP
  f.dotprod = (hw >> 20) & 1;  // HWCAP_ASIMDDP
  f.i8mm = (hw2 >> 13) & 1;    // HWCAP2_I8MM
#elif defined(__ARM_FEATURE_DOTPROD)
  f.dotprod = true;
#endif
#endif
  return f;
}

}  // namespace detail

// Features of the running CPU, detected once.
inline const cpu_features& cpu() noexcept {
  static const cpu_features f = detail::detect_cpu();
  return f;
}

// Whether the running CPU can execute kernels of tier `id`.
inline bool cpu_supports(isa_id id) noexcept {
  const cpu_features& f = cpu();
  switch (id) {
    case isa_id::scalar: return true;
    case isa_id::sse41: return f.ssse3 && f.sse41;
    case isa_id::avx2: return f.ssse3 && f.sse41 && f.avx2 && f.fma && f.f16c;
    case isa_id::avx512:
      return cpu_supports(isa_id::avx2) && f.avx512f && f.avx512bw && f.avx512vl && f.avx512dq &&
             f.avx512cd;
    case isa_id::avx512_vnni: return cpu_supports(isa_id::avx512) && f.avx512vnni;
    case isa_id::neon: return f.neon;
    case isa_id::neon_dotprod: return f.neon && f.dotprod;
  }
  return false;
}

TRITLUT_END_TARGET_NS
