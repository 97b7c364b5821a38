// SPDX-License-Identifier: MIT
// tritlut/isa/isa.hpp - ISA identifiers and tag types.
//
// Tags are empty structs passed as the last argument of primitives and kernels; overload
// resolution picks the most derived implementation (avx512_vnni -> avx512 -> avx2 -> sse41 ->
// scalar), so a tier only writes what it does better than the one below. Each tag maps to an
// xsimd arch (`simd`) for the few places where xsimd batches are used.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
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

// The one list of ISA names in C++ (lower case, as accepted by TRITLUT_ISA, scoped_isa and --isa),
// in isa_id order; isa_name, parse_isa_name, the tags' names and the help and error texts that list
// the ISAs are all read from it.
struct isa_entry {
  isa_id id;
  std::string_view name;
};
inline constexpr isa_entry isa_names[isa_count] = {
    {isa_id::scalar, "scalar"}, {isa_id::sse41, "sse41"}, {isa_id::avx2, "avx2"},
    {isa_id::avx512, "avx512"}, {isa_id::avx512_vnni, "avx512_vnni"}, {isa_id::neon, "neon"},
    {isa_id::neon_dotprod, "neon_dotprod"},
};

static_assert(
    [] {
      for (int i = 0; i < isa_count; ++i)
        if (static_cast<int>(isa_names[i].id) != i) return false;
      return true;
    }(),
    "isa_names: one entry per isa_id, in isa_id order");

constexpr std::string_view isa_name(isa_id id) noexcept {
  const auto i = static_cast<std::size_t>(id);
  return i < static_cast<std::size_t>(isa_count) ? isa_names[i].name : "unknown";
}

// Parses a name of isa_names or one of a few common other spellings; false for an unknown name.
constexpr bool parse_isa_name(std::string_view s, isa_id& out) noexcept {
  struct alias {
    std::string_view name;
    isa_id id;
  };
  constexpr alias aliases[] = {
      {"generic", isa_id::scalar},  {"sse4.1", isa_id::sse41},           {"sse4_1", isa_id::sse41},
      {"ssse3", isa_id::sse41},     {"sse", isa_id::sse41},              {"avx512bw", isa_id::avx512},
      {"avx512vnni", isa_id::avx512_vnni}, {"neon-dotprod", isa_id::neon_dotprod}, {"dotprod", isa_id::neon_dotprod},
  };
  for (const isa_entry& e : isa_names)
    if (e.name == s) {
      out = e.id;
      return true;
    }
  for (const alias& a : aliases)
    if (a.name == s) {
      out = a.id;
      return true;
    }
  return false;
}

namespace isa {

struct scalar {
  static constexpr isa_id id = isa_id::scalar;
  static constexpr std::string_view name = isa_name(id);
};
struct sse41 : scalar {
  using lower = scalar;  // the tier it builds on (also its base class)
  using simd = xsimd::sse4_1;
  static constexpr isa_id id = isa_id::sse41;
  static constexpr std::string_view name = isa_name(id);
};
struct avx2 : sse41 {
  using lower = sse41;
  using simd = xsimd::avx2;
  static constexpr isa_id id = isa_id::avx2;
  static constexpr std::string_view name = isa_name(id);
};
struct avx512 : avx2 {
  using lower = avx2;
  using simd = xsimd::avx512bw;
  static constexpr isa_id id = isa_id::avx512;
  static constexpr std::string_view name = isa_name(id);
};
struct avx512_vnni : avx512 {
  using lower = avx512;
  static constexpr isa_id id = isa_id::avx512_vnni;
  static constexpr std::string_view name = isa_name(id);
};
struct neon : scalar {
  using lower = scalar;
  using simd = xsimd::neon64;
  static constexpr isa_id id = isa_id::neon;
  static constexpr std::string_view name = isa_name(id);
};
struct neon_dotprod : neon {
  using lower = neon;
  static constexpr isa_id id = isa_id::neon_dotprod;
  static constexpr std::string_view name = isa_name(id);
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

TRITLUT_BEGIN_TARGET_NS
// Every ISA name joined by sep, "scalar, sse41, ..., neon_dotprod", for help and error texts.
inline std::string isa_name_list(std::string_view sep = ", ") {
  std::string s;
  for (const isa_entry& e : isa_names) {
    if (!s.empty()) s += sep;
    s += e.name;
  }
  return s;
}
TRITLUT_END_TARGET_NS
