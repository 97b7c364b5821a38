// SPDX-License-Identifier: MIT
// tritlut/arch/ops.hpp - the integer SIMD primitives the kernels are built from.
//
// simd_ops<Tag> is specialised per ISA family in arch/x86.hpp and arch/neon.hpp, each file
// compiled only when the translation unit's flags allow it. Contracts (every ISA):
//   bytes                   width of `vec` in bytes
//   load(p)                 unaligned load of `bytes` bytes
//   codes<S>(w)             (w >> S) & 3 per byte: one 2-bit plane of packed weights
//   madd_u8s8(acc, c, a)    acc16 + pairwise sums of u8 c * s8 a. Per int16 lane one call adds at
//                           most 2 * |c| * |a| <= 2 * 2 * 127 = 508 (c <= 2), so a lane takes 64
//                           calls before it could overflow int16 (FORMATS.md 4.5).
//   widen(acc32, acc16)     acc32 + acc16 summed into int32 lanes (exact)
//   hsum(acc32)             exact int32 sum of all lanes
// Tiers with an int32 dot product (VNNI, dotprod) set `direct32` and provide dot32(acc32, c, a),
// which needs no int16 stage at all.
#pragma once

#include <cstddef>
#include <cstdint>

#include "../isa/isa.hpp"

TRITLUT_BEGIN_TARGET_NS
namespace arch {
template <class Tag>
struct simd_ops;  // specialised per ISA; absent for isa::scalar (scalar kernels are plain loops)
}  // namespace arch
TRITLUT_END_TARGET_NS

#include "x86.hpp"
#include "neon.hpp"
