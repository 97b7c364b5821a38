// SPDX-License-Identifier: MIT
// tritlut/kernels/tl1.hpp - TL1 GEMV / small-batch GEMM: one 16-entry lookup per weight pair.
// Engine, bounds and lane order in kernels/tl_engine.hpp; layout in formats/tl1.hpp.
#pragma once

#include <type_traits>

#include "tl_engine.hpp"

TRITLUT_BEGIN_TARGET_NS
namespace kernels {

// Scalar tier: plain loops over the same layout and tables.
inline void tl1_gemm(const tl1_view& w, const tl_lut_view& L, const gemm_out& out, std::size_t row0, std::size_t row1,
                     isa::scalar) noexcept {
  const std::size_t tok_bytes = L.items * tl_lut_item_bytes;
  for (std::size_t r = row0; r < row1; ++r) {
    const std::uint8_t* col = w.idx + (r / w.mr) * w.cols * w.mr + r % w.mr;
    for (std::size_t n = 0; n < L.n; ++n) {
      const std::uint8_t* lut = L.data + n * tok_bytes;
      std::int32_t acc = 0;
      for (std::size_t u = 0; u < w.cols; ++u) {
        const unsigned b = col[u * w.mr];
        acc += detail::tl_entry(lut, 2 * u, b & 15u, tritlut::detail::tl1_split) +
               detail::tl_entry(lut, 2 * u + 1, b >> 4, tritlut::detail::tl1_split);
      }
      detail::tl_store_one(out, L, w.alpha, n, r, acc);
    }
  }
}

// SIMD tiers. Rows [row0, row1) times every token of L. Preconditions (checked by api.hpp):
// L.kind == tl1, L.k == w.k, row1 <= w.m, w.mr % 16 == 0.
template <class Tag, class = typename arch::simd_ops<Tag>::vec>
inline void tl1_gemm(const tl1_view& w, const tl_lut_view& L, const gemm_out& out, std::size_t row0, std::size_t row1,
                     Tag) noexcept {
  if (row0 >= row1) return;
  using Narrow = typename detail::tl_narrow<Tag>::type;
  if constexpr (!std::is_same_v<Narrow, Tag>) {
    if (w.mr % arch::simd_ops<Tag>::bytes != 0) return tl1_gemm(w, L, out, row0, row1, Narrow{});
  }
  constexpr std::size_t window = detail::tl1_policy::window<Tag>;
  static_assert(window <= detail::tl1_max_window && window % detail::tl1_policy::group == 0,
                "TL1 window: int16 bound (FORMATS.md 4.5), whole byte-sum groups");
  // make_regions(tile, body, tail): the regions of one tile.
  detail::tl_drive<Tag, detail::tl1_policy>(w.mr, nullptr, w.alpha, L, out, row0, row1,
    [&](std::size_t tile, detail::tl_region& body, detail::tl_region& tail) noexcept {
      body.idx = w.idx + tile * w.cols * w.mr;
      body.cols = w.cols;
      body.item0 = 0;
      tail.cols = 0;
    });
}

}  // namespace kernels
TRITLUT_END_TARGET_NS
