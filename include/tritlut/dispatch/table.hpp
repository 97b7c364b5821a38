// SPDX-License-Identifier: MIT
// tritlut/dispatch/table.hpp - the kernel table: one set of function pointers per ISA.
//
// A table is built by instantiating the generic kernels for one ISA tag (dispatch/instantiate.hpp)
// in a translation unit compiled with that ISA's flags. Its signature uses only the plain views of
// types.hpp, so tables from differently-compiled TUs are interchangeable.
#pragma once

#include <cstddef>
#include <cstdint>

#include "../isa/isa.hpp"
#include "../types.hpp"

namespace tritlut {

// n rows of f32 x (row stride ldx) -> q [n][stride] int8, scale [n], sum [n] (quant/act.hpp).
using quantize_fn = void (*)(const float* x, std::size_t ldx, std::size_t n, std::size_t k, std::int8_t* q,
                             std::size_t stride, float* scale, std::int32_t* sum) noexcept;
// Rows [row0, row1) of W times every token of x, written through out (types.hpp).
using i2s_gemm_fn = void (*)(const i2s_view& w, const act_view& x, const gemm_out& out, std::size_t row0,
                             std::size_t row1) noexcept;

// TL1 / TL2: rows [row0, row1) of W times every token of the prepared tables (quant/lut.hpp).
using tl1_gemm_fn = void (*)(const tl1_view& w, const tl_lut_view& lut, const gemm_out& out, std::size_t row0,
                             std::size_t row1) noexcept;
using tl2_gemm_fn = void (*)(const tl2_view& w, const tl_lut_view& lut, const gemm_out& out, std::size_t row0,
                             std::size_t row1) noexcept;
// Group-scaled I2_S (kernels/i2s_group.hpp): rows [row0, row1) of W times every token of x, float
// out; gscale: null (x.scale per token) or per-group activation scales [x.n][w.groups].
using i2s_group_gemm_fn = void (*)(const i2s_group_view& w, const act_view& x, const float* gscale,
                                   const gemm_out& out, std::size_t row0, std::size_t row1) noexcept;
// Tables of every token of x: out [x.n][tl_lut_items(kind, x.k)][32].
using tl_lut_fn = void (*)(tl_kind kind, const act_view& x, std::uint8_t* out) noexcept;

struct kernel_table {
  isa_id isa = isa_id::scalar;
  quantize_fn quantize = nullptr;
  i2s_gemm_fn i2s_gemm = nullptr;
  tl_lut_fn tl_lut = nullptr;
  tl1_gemm_fn tl1_gemm = nullptr;
  tl2_gemm_fn tl2_gemm = nullptr;
  i2s_group_gemm_fn i2s_group_gemm = nullptr;
};

}  // namespace tritlut
