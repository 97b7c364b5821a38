// SPDX-License-Identifier: MIT
// tritlut/dispatch/instantiate.hpp - builds the kernel table of one ISA tag.
//
// Runtime mode: tritlut_add_kernels() compiles one TU per ISA with that ISA's flags containing
//     #include <tritlut/dispatch/instantiate.hpp>
//     TRITLUT_DEFINE_KERNEL_TABLE(avx2)
// which defines tritlut::registry::kernel_table_avx2(). Everything instantiated here lives in the
// TU's inline target namespace (config.hpp), so no VEX-encoded copy of an inline function can
// replace the baseline one at link time. Per-ISA TUs use no std containers.
#pragma once

#include "../kernels/i2s.hpp"
#include "../kernels/i2s_group.hpp"
#include "../kernels/tl1.hpp"
#include "../kernels/tl2.hpp"
#include "../quant/lut.hpp"
#include "../quant/act.hpp"
#include "table.hpp"

TRITLUT_BEGIN_TARGET_NS
namespace detail {

template <class Tag>
struct table_entries {
  static void quantize(const float* x, std::size_t ldx, std::size_t n, std::size_t k, std::int8_t* q,
                       std::size_t stride, float* scale, std::int32_t* sum) noexcept {
    kernels::quantize_rows<Tag>(x, ldx, n, k, q, stride, scale, sum);
  }
  static void i2s_gemm(const i2s_view& w, const act_view& x, const gemm_out& out, std::size_t row0,
                       std::size_t row1) noexcept {
    kernels::i2s_gemm(w, x, out, row0, row1, Tag{});
  }
  static void tl_lut(tl_kind kind, const act_view& x, std::uint8_t* out) noexcept {
    kernels::tl_build_lut(kind, x, out, Tag{});
  }
  static void tl1_gemm(const tl1_view& w, const tl_lut_view& lut, const gemm_out& out, std::size_t row0,
                       std::size_t row1) noexcept {
    kernels::tl1_gemm(w, lut, out, row0, row1, Tag{});
  }
  static void tl2_gemm(const tl2_view& w, const tl_lut_view& lut, const gemm_out& out, std::size_t row0,
                       std::size_t row1) noexcept {
    kernels::tl2_gemm(w, lut, out, row0, row1, Tag{});
  }
  static void i2s_group_gemm(const i2s_group_view& w, const act_view& x, const float* gscale, const gemm_out& out,
                             std::size_t row0, std::size_t row1) noexcept {
    kernels::i2s_group_gemm(w, x, gscale, out, row0, row1, Tag{});
  }
};

template <class Tag>
inline const kernel_table& table_for() noexcept {
  static_assert(isa_compiled(Tag::id), "this translation unit's compiler flags do not enable the ISA");
  static constexpr kernel_table t{Tag::id, &table_entries<Tag>::quantize, &table_entries<Tag>::i2s_gemm,
                                       &table_entries<Tag>::tl_lut,     &table_entries<Tag>::tl1_gemm,
                                       &table_entries<Tag>::tl2_gemm,   &table_entries<Tag>::i2s_group_gemm};
  return t;
}

}  // namespace detail
TRITLUT_END_TARGET_NS

#define TRITLUT_DECLARE_KERNEL_TABLE(NAME) \
  namespace tritlut {                      \
  namespace registry {                     \
  const kernel_table* kernel_table_##NAME() noexcept; \
  }                                        \
  }

#define TRITLUT_DEFINE_KERNEL_TABLE(NAME)                                                     \
  namespace tritlut {                                                                         \
  namespace registry {                                                                        \
  const kernel_table* kernel_table_##NAME() noexcept {                                        \
    return &::tritlut::TRITLUT_TARGET_NS::detail::table_for<::tritlut::isa::NAME>();          \
  }                                                                                           \
  }                                                                                           \
  }
