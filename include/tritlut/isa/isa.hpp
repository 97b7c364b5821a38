// SPDX-License-Identifier: MIT
// tritlut/isa/isa.hpp - ISA identifiers and tag types.
//
// Tags are empty structs passed as the last argument of primitives and kernels; overload
// resolution picks the most derived implementation (avx512_vnni -> avx512 -> avx2 -> sse41 ->
// scalar), so a tier only writes what it does better than the one below. Each tag maps to an
// xsimd arch (`simd`) for the few places where xsimd batches are used.
#pragma once

#include <cstdint>
#include <string_view>

#include <xsimd/xsimd.hpp>

#include "../config.hpp"

namespace tritlut {

// Stable numbering: also the order of preference within a CPU family (higher = better).
enum class isa_id : std::uint8_t {
  scalar = 0,
  sse41 = 1,        // SSSE3 + SSE4.1, 128-bit pshufb / pmaddubsw
  avx2 = 2,         // AVX2 + FMA + F16C, 256-bit
  avx512 = 3,       // AVX-512 F/BW/VL/DQ/CD, 512-bit
  avx512_vnni = 4,  // avx512 + VNNI (vpdpbusd: u8*s8 dot products straight into int32)
  neon = 5,         // AArch64 Advanced SIMD
  neon_dotprod = 6, // + SDOT/UDOT (ARMv8.2 dotprod)
};
inline constexpr int isa_count = 7;

// Lower-case names, as accepted by TRITLUT_ISA, scoped_isa and --isa.
constexpr std::string_view isa_name(isa_id id) noexcept {
  switch (id) {
    case isa_id::scalar: return "scalar";
    case isa_id::sse41: return "sse41";
    case isa_id::avx2: return "avx2";
    case isa_id::avx512: return "avx512";
    case isa_id::avx512_vnni: return "avx512_vnni";
    case isa_id::neon: return "neon";
    case isa_id::neon_dotprod: return "neon_dotprod";
  }
  return "unknown";
}

// Parses a name (also accepts a few common spellings); returns false for an unknown name.
constexpr bool parse_isa_name(std::string_view s, isa_id& out) noexcept {
  struct alias { std::string_view name; isa_id id; };
  constexpr alias table[] = {
      {"scalar", isa_id::scalar},       {"generic", isa_id::scalar},
      {"sse41", isa_id::sse41},         {"sse4.1", isa_id::sse41},
      {"sse4_1", isa_id::sse41},        {"ssse3", isa_id::sse41},
      {"sse", isa_id::sse41},           {"avx2", isa_id::avx2},
      {"avx512", isa_id::avx512},       {"avx512bw", isa_id::avx512},
      {"avx512_vnni", isa_id::avx512_vnni}, {"avx512vnni", isa_id::avx512_vnni},
      {"neon", isa_id::neon},           {"neon_dotprod", isa_id::neon_dotprod},
      {"neon-dotprod", isa_id::neon_dotprod}, {"dotprod", isa_id::neon_dotprod},
  };
  for (const auto& a : table) {
    if (a.name == s) {
      out = a.id;
      return true;
    }
  }
  return false;
}

namespace isa {

struct scalar {
  static constexpr isa_id id = isa_id::scalar;
  static constexpr std::string_view name = "scalar";
};
struct sse41 : scalar {
  using simd = xsimd::sse4_1;
  static constexpr isa_id id = isa_id::sse41;
  static constexpr std::string_view name = "sse41";
};
struct avx2 : sse41 {
  using simd = xsimd::avx2;
  static constexpr isa_id id = isa_id::avx2;
  static constexpr std::string_view name = "avx2";
};
struct avx512 : avx2 {
  using simd = xsimd::avx512bw;
  static constexpr isa_id id = isa_id::avx512;
  static constexpr std::string_view name = "avx512";
};
struct avx512_vnni : avx512 {
  static constexpr isa_id id = isa_id::avx512_vnni;
  static constexpr std::string_view name = "avx512_vnni";
};
struct neon : scalar {
  using simd = xsimd::neon64;
  static constexpr isa_id id = isa_id::neon;
  static constexpr std::string_view name = "neon";
};
struct neon_dotprod : neon {
  static constexpr isa_id id = isa_id::neon_dotprod;
  static constexpr std::string_view name = "neon_dotprod";
};

// The best tag this translation unit's flags can compile ("static mode").
#if TRITLUT_HAS_AVX512_VNNI
using best = avx512_vnni;
#elif TRITLUT_HAS_AVX512
using best = avx512;
#elif TRITLUT_HAS_AVX2
using best = avx2;
#elif TRITLUT_HAS_SSE41
using best = sse41;
#elif TRITLUT_HAS_NEON_DOTPROD
using best = neon_dotprod;
#elif TRITLUT_HAS_NEON
using best = neon;
#else
using best = scalar;
#endif

}  // namespace isa

// Whether this translation unit's flags can compile kernels for `id`.
constexpr bool isa_compiled(isa_id id) noexcept {
  switch (id) {
    case isa_id::scalar: return true;
    case isa_id::sse41: return TRITLUT_HAS_SSE41;
    case isa_id::avx2: return TRITLUT_HAS_AVX2;
    case isa_id::avx512: return TRITLUT_HAS_AVX512;
    case isa_id::avx512_vnni: return TRITLUT_HAS_AVX512_VNNI;
    case isa_id::neon: return TRITLUT_HAS_NEON;
    case isa_id::neon_dotprod: return TRITLUT_HAS_NEON_DOTPROD;
  }
  return false;
}

}  // namespace tritlut
