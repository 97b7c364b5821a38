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
//   hsums(v, out)           out[i] = hsum(v[i]) for i < hsums_n (a transposing reduction, far
//                           cheaper per sum than hsum), out: int32[hsums_n]
// Tiers with an int32 dot product (VNNI, dotprod) set `direct32` and provide dot32(acc32, c, a),
// which needs no int16 stage at all.
//
// TL1/TL2 lookup primitives (every SIMD tier; a "lane" is 16 bytes):
//   load_table16(p)         the 16 bytes at p, replicated into every 16-byte lane
//   lut16(t, i)             byte j = t[i[j]] within j's lane; requires every i[j] in 0..15
//                           (pshufb would zero bit-7 indices, vqtbl1q indices >= 16: never passed)
//   nib_lo(v), nib_hi(v)    v & 15, v >> 4 per byte (indices 0..15)
//   TL2 signs, per sign group (8 triples, one sign byte per row: bit b = triple b of the group):
//   sgroup g = sign_group(s, bits)  state derived from the group's sign bytes s (bits: the engine's
//                           table of 8 rows of 64 bytes, row b all 1 << b)
//   sign_of<B>(g, bits)     smask of triple B (0..7) of the group
//   flip(x, m)              per byte: where triple B is negative, -x if tl2_negates, else ~x (the
//                           kernels then add tl2_neg_fix per negative triple back in the store);
//                           x elsewhere. psignb on SSE4.1/AVX2, a k-masked subtract on AVX-512,
//                           xor with a vtst mask on NEON.
//   order_after(g, dep)     to GCC, g is rewritten after dep (TRITLUT_ORDER_AFTER): the masks of a
//                           column are computed with that column, not hoisted. Emits nothing.
//   widen_lanes(ev, od, a)  ev += sign-extended even int16 lanes of a, od += odd ones (int32), so
//                           lane p of ev/od is int16 lane 2p / 2p+1 of a within the same 16 bytes
//   add8(a, b)              bytewise a + b (wraps; callers bound the sums)
//   fold_split<Base>(a0, a1, l, h)  int16 l + Base*h from signed byte vectors (the entry split),
//                           added to int16 accumulators: a0 gets bytes 0..7 of each lane, a1 bytes
//                           8..15 (maddubs by (1, Base) of unpacklo/hi, or vaddw + vmlal)
//   store(p, v)             unaligned store
//   lut_entries_split(b0, b1, b2, w, sp, out)  e[i] = w[i]*b0 + w[16+i]*b1 + w[32+i]*b2 for i < 16
//                           (w in {-1,0,1}) split by sp (tl_split: e = l + base*h): out[i] = l,
//                           out[16+i] = h as signed bytes; h by a multiply-high (sp.magic, proven
//                           exact at compile time in formats/tl_common.hpp)
#pragma once

#include <cstddef>
#include <cstdint>

#include "../isa/isa.hpp"
#include "../formats/tl_common.hpp"  // tl_split

// GCC (12) schedules all multiplies of an unrolled register tile before their accumulating adds
// and then spills the products (6912 x 2560 GEMM 40% slower than with clang). An empty asm that
// "modifies" the fresh accumulator makes each add happen right after its multiply. Clang needs none.
#if defined(__GNUC__) && !defined(__clang__) && TRITLUT_ARCH_X86
#define TRITLUT_KEEP_ACCUMULATOR(v) __asm__("" : "+v"(v))
#elif defined(__GNUC__) && !defined(__clang__) && TRITLUT_ARCH_ARM64
#define TRITLUT_KEEP_ACCUMULATOR(v) __asm__("" : "+w"(v))
#else
#define TRITLUT_KEEP_ACCUMULATOR(v) ((void)0)
#endif
// TRITLUT_ORDER_AFTER(v, dep): to GCC, v is rewritten after dep is computed, so work on v cannot be
// hoisted above dep. GCC 12 computed all eight TL2 sign masks of a sign group before the first
// column's lookups and spilled them (AVX2 TL2 GEMV about 17% slower than with clang). Emits nothing.
#if defined(__GNUC__) && !defined(__clang__) && TRITLUT_ARCH_X86
#define TRITLUT_ORDER_AFTER(v, dep) __asm__("" : "+v"(v) : "v"(dep))
#elif defined(__GNUC__) && !defined(__clang__) && TRITLUT_ARCH_ARM64
#define TRITLUT_ORDER_AFTER(v, dep) __asm__("" : "+w"(v) : "w"(dep))
#else
#define TRITLUT_ORDER_AFTER(v, dep) ((void)(dep))
#endif

// TRITLUT_HIDE_POINTER(p): from here on the optimizer knows nothing of p's value, so loads through it
// are neither folded into constants nor merged with loads through another copy of the pointer (the
// asm is volatile, so two of them on equal pointers are not merged either). Emits nothing.
#if defined(__GNUC__)
#define TRITLUT_HIDE_POINTER(p) __asm__ volatile("" : "+r"(p))
#else
#define TRITLUT_HIDE_POINTER(p) ((void)0)
#endif

TRITLUT_BEGIN_TARGET_NS
namespace arch {
template <class Tag>
struct simd_ops;  // specialised per ISA; absent for isa::scalar (scalar kernels are plain loops)
}  // namespace arch
TRITLUT_END_TARGET_NS

#include "x86.hpp"
#include "neon.hpp"
