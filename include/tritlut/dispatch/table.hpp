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

struct kernel_table {
  isa_id isa = isa_id::scalar;
  quantize_fn quantize = nullptr;
  i2s_gemm_fn i2s_gemm = nullptr;
};

}  // namespace tritlut
