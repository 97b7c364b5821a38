// SPDX-License-Identifier: MIT
// tritlut/kernels/tl2.hpp - TL2 GEMV / small-batch GEMM: one 16-entry lookup per weight triple
// (entries in base 28, the sign applied to both parts), TL1 lookups for the K tail. Engine, bounds and lane order in
// kernels/tl_engine.hpp; layout in formats/tl2.hpp.
#pragma once

#include <type_traits>

#include "tl_engine.hpp"

TRITLUT_BEGIN_TARGET_NS
namespace kernels {

inline void tl2_gemm(const tl2_view& w, const tl_lut_view& L, const gemm_out& out, std::size_t row0, std::size_t row1,
                     isa::scalar) noexcept {
  const std::size_t tok_bytes = L.items * tl_lut_item_bytes, n3 = w.k3 / 3;
  for (std::size_t r = row0; r < row1; ++r) {
    const std::size_t t = r / w.mr, rr = r % w.mr;
    const std::uint8_t* idx = w.idx + t * w.cols3 * w.mr + rr;
    const std::uint8_t* sgn = w.sign + t * w.groups * w.mr + rr;
    const std::uint8_t* tail = w.tail + t * w.colst * w.mr + rr;
    for (std::size_t n = 0; n < L.n; ++n) {
      const std::uint8_t* lut = L.data + n * tok_bytes;
      std::int32_t acc = 0;
      for (std::size_t j = 0; j < n3; ++j) {
        const unsigned i = (idx[(j / 2) * w.mr] >> (4 * (j % 2))) & 15u;
        const std::int32_t e = detail::tl_entry(lut, j, i, tritlut::detail::tl2_split);
        acc += ((sgn[(j / 8) * w.mr] >> (j % 8)) & 1u) ? -e : e;
      }
      for (std::size_t u = 0; u < w.colst; ++u) {
        const unsigned b = tail[u * w.mr];
        acc += detail::tl_entry(lut, n3 + 2 * u, b & 15u, tritlut::detail::tl1_split) +
               detail::tl_entry(lut, n3 + 2 * u + 1, b >> 4, tritlut::detail::tl1_split);
      }
      detail::tl_store_one(out, L, w.alpha, n, r, acc);
    }
  }
}

// SIMD tiers. Preconditions (checked by api.hpp): L.kind == tl2, L.k == w.k, row1 <= w.m,
// w.mr % 16 == 0.
template <class Tag, class = typename arch::simd_ops<Tag>::vec>
inline void tl2_gemm(const tl2_view& w, const tl_lut_view& L, const gemm_out& out, std::size_t row0, std::size_t row1,
                     Tag) noexcept {
  if (row0 >= row1) return;
  using Narrow = typename detail::tl_narrow<Tag>::type;
  if constexpr (!std::is_same_v<Narrow, Tag>) {
    if (w.mr % arch::simd_ops<Tag>::bytes != 0) return tl2_gemm(w, L, out, row0, row1, Narrow{});
  }
  constexpr std::size_t window = detail::tl2_policy::window<Tag>;
  static_assert(window <= detail::tl2_max_window && window % detail::tl2_policy::group == 0,
                "TL2 window: int16 bound (FORMATS.md 4.5), whole sign groups");
  const std::size_t n3 = w.k3 / 3;
  // make_regions(tile, body, tail): the regions of one tile.
  detail::tl_drive<Tag, detail::tl2_policy>(w.mr, w.neg, w.alpha, L, out, row0, row1,
    [&](std::size_t tile, detail::tl_region& body, detail::tl_region& tail) noexcept {
      body.idx = w.idx + tile * w.cols3 * w.mr;
      body.sign = w.sign + tile * w.groups * w.mr;
      body.cols = w.cols3;
      body.item0 = 0;
      tail.idx = w.tail + tile * w.colst * w.mr;
      tail.cols = w.colst;
      tail.item0 = n3;
    });
}

}  // namespace kernels
TRITLUT_END_TARGET_NS
