// SPDX-License-Identifier: MIT
// tritlut/types.hpp - plain views shared by every translation unit and the kernel table.
//
// These are aggregates of pointers and sizes with no member functions, so that the runtime-dispatch
// TUs (each compiled with its own ISA flags) and the caller's TU agree on one type.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tritlut {

// Quantized activations of n tokens (FORMATS.md section 1): q is [n][stride] int8, zero past k;
// stride is a multiple of 256 so every kernel may read whole blocks without bounds checks.
struct act_view {
  const std::int8_t* q = nullptr;   // [n][stride]
  const float* scale = nullptr;     // [n] act_scale = 127 / amax
  const std::int32_t* sum = nullptr;// [n] sum of q (for unsigned-code kernels)
  std::size_t n = 0, k = 0, stride = 0;
};

// An I2_S matrix (M x K ternary, bitnet.cpp block layout, FORMATS.md section 3.2) in memory:
// row r starts at data + r * kp / 4; kp = row stride in weights, a multiple of 128, >= k;
// weights in [k, kp) are zero (code 1). When k == kp the bytes are exactly the packed part of a
// GGUF type-36 tensor, so a file can be used in place.
struct i2s_view {
  const std::uint8_t* data = nullptr;  // [m][kp/4]
  std::size_t m = 0, k = 0, kp = 0;
  float alpha = 1.0f;                  // per-tensor scale: real weight = alpha * w
};

// A group-scaled ternary matrix (docs/kernels.md, "Group-scaled I2_S"): the 2-bit codes in the
// I2_S layout of i2s_view (rows padded to kp, a multiple of 128, padding code 1), plus one f32
// scale per row and group of `group` consecutive weights: real weight [r][j] = scale[r * groups +
// j / group] * (code - 1). Codes 0..3 mean w in {-1, 0, 1, 2} (code 3 = +2 is Q2_0's fourth level,
// computed exactly). group is 32, 64, 128, 256 or 512 and divides k; groups = k / group.
// Largest number of groups per row: the kernels keep one int32 activation sum per group and token
// on the stack (kernels/i2s_group.hpp: 4096 x 4 bytes = 16 KiB), so K <= 4096 * group.
inline constexpr std::size_t i2s_group_max_groups = 4096;
struct i2s_group_view {
  const std::uint8_t* data = nullptr;  // [m][kp/4]
  const float* scale = nullptr;        // [m][groups]
  std::size_t m = 0, k = 0, kp = 0;
  std::size_t group = 0, groups = 0;
};

// Activations quantized with one scale per group of `group` consecutive values along k (the
// weights' groups; quant/act_group.hpp): q [n][stride] int8 as in act_view, scale [n][groups]
// = 127 / absmax of each group (FORMATS.md 1 applied per group).
struct act_group_view {
  const std::int8_t* q = nullptr;  // [n][stride]
  const float* scale = nullptr;    // [n][groups]
  std::size_t n = 0, k = 0, stride = 0;
  std::size_t group = 0, groups = 0;
};

// Where a GEMM writes: output of token n, row r at y[n * ld + r] (float) or yi[n * ld + r]
// (the exact int32 dot product sum_k w*q, for tests and for callers that do their own scaling).
// Exactly one of y, yi is non-null.
struct gemm_out {
  float* y = nullptr;
  std::int32_t* yi = nullptr;
  std::size_t ld = 0;
};

}  // namespace tritlut

// ---- TL1 / TL2 lookup-table formats (formats/tl1.hpp, formats/tl2.hpp, docs/formats.md) ----
namespace tritlut {

enum class tl_kind : std::uint8_t { tl1 = 1, tl2 = 2 };

// A TL1 matrix: every pair of weights -> 4-bit index 3*w0 + w1 + 4, two pairs per byte (2 bpw).
// Rows are grouped in tiles of mr rows (a multiple of 16); index byte column u of tile t is mr
// bytes at idx + (t * cols + u) * mr, byte i = row t*mr + i, low nibble = pair 2u, high = pair 2u+1.
// The layout depends only on mr (recorded here), never on the ISA that runs it.
struct tl1_view {
  const std::uint8_t* idx = nullptr;  // [tiles][cols][mr]
  std::size_t m = 0, k = 0;           // logical shape
  std::size_t mr = 0;                 // rows per tile, multiple of 16
  std::size_t tiles = 0;              // ceil(m / mr); rows past m are zero weights
  std::size_t cols = 0;               // index bytes per row = roundup(k, 4) / 4
  float alpha = 1.0f;
};

// A TL2 matrix: triples -> sign + 4-bit index |9*w0 + 3*w1 + w2| (5 bits per 3 weights) for the
// first k3 = 6*floor(k/6) weights, then a TL1-coded tail of k - k3 weights padded to 4.
// Regions, all tiled like TL1: triple index bytes [tiles][cols3][mr]; sign bits [tiles][groups][mr]
// where byte i of group g holds in bit b the sign of triple 8g + b of row t*mr + i; tail index
// bytes [tiles][colst][mr]; neg[r] = number of negative triples of row r (the NEON kernels apply
// the sign as a bitwise complement of both base-28 parts of an entry, -e - 29, and add 29*neg[r]
// once; the x86 ones negate both parts and need no correction).
struct tl2_view {
  const std::uint8_t* idx = nullptr;   // [tiles][cols3][mr]
  const std::uint8_t* sign = nullptr;  // [tiles][groups][mr]
  const std::uint8_t* tail = nullptr;  // [tiles][colst][mr]
  const std::int32_t* neg = nullptr;   // [tiles * mr]
  std::size_t m = 0, k = 0, mr = 0, tiles = 0;
  std::size_t k3 = 0;      // weights coded as triples
  std::size_t cols3 = 0;   // k3 / 6 index bytes per row
  std::size_t groups = 0;  // ceil(cols3 / 4) sign bytes per row (8 triples each)
  std::size_t colst = 0;   // tail index bytes per row: 0, 1 or 2
  float alpha = 1.0f;
};

// Per-token lookup tables built from quantized activations (quant/lut.hpp). Item i of token n is
// 32 bytes at data + (n * items + i) * 32: the low parts of its 16 entries, then the high parts.
// Entries are split into signed bytes e = l + base*h (tl_split, formats/tl_common.hpp). TL1: item
// p = pair (q[2p], q[2p+1]), base 22. TL2: items 0..k3/3-1 are triples, base 28, then TL1 tail pairs.
struct tl_lut_view {
  const std::uint8_t* data = nullptr;  // [n][items][32]
  const float* scale = nullptr;        // [n] act_scale of each token (the epilogue divides by it)
  std::size_t n = 0, k = 0, items = 0;
  tl_kind kind = tl_kind::tl1;
};

// The same tables typed by their kind, which is what the entry points take: a TL1 table handed to
// a TL2 matrix does not compile (api.hpp). Derived, so the kernel table (which takes the plain
// tl_lut_view) and code that reads the fields need no conversion.
template <tl_kind Kind>
struct tl_lut_view_of : tl_lut_view {};
using tl1_lut_view = tl_lut_view_of<tl_kind::tl1>;
using tl2_lut_view = tl_lut_view_of<tl_kind::tl2>;

}  // namespace tritlut
