// SPDX-License-Identifier: MIT
// tritlut/compat/xsimd.hpp - the one place that knows xsimd's API differences between 8.1
// (Debian bookworm) and 13/14. Call these qualified (tritlut::compat::reduce_add): unqualified
// calls are ambiguous through ADL on xsimd >= 9.
#pragma once

#include <cstring>

#include <xsimd/xsimd.hpp>

#ifndef XSIMD_VERSION_MAJOR
#error "tritlut needs xsimd >= 8.1 (XSIMD_VERSION_MAJOR is not defined)"
#endif
#if XSIMD_VERSION_MAJOR < 8 || (XSIMD_VERSION_MAJOR == 8 && XSIMD_VERSION_MINOR < 1)
#error "tritlut needs xsimd >= 8.1"
#endif

namespace tritlut {
namespace compat {

// Horizontal sum: `hadd` in 8.1, `reduce_add` since 9.0. Both wrap in T: widen first.
#if XSIMD_VERSION_MAJOR >= 9
template <class T, class A>
inline T reduce_add(const xsimd::batch<T, A>& b) noexcept {
  return xsimd::reduce_add(b);
}
#else
template <class T, class A>
inline T reduce_add(const xsimd::batch<T, A>& b) noexcept {
  return xsimd::hadd(b);
}
#endif

// Horizontal max (no reduce_max in 8.1): store and scan.
template <class T, class A>
inline T reduce_max(const xsimd::batch<T, A>& b) noexcept {
  alignas(64) T tmp[xsimd::batch<T, A>::size];
  b.store_aligned(tmp);
  T m = tmp[0];
  for (std::size_t i = 1; i < xsimd::batch<T, A>::size; ++i) m = tmp[i] > m ? tmp[i] : m;
  return m;
}

// Reinterprets a batch's bits as another lane type through its register. Not xsimd::bitwise_cast:
// on NEON that dispatches through a table of function pointers, which makes g++ emit the
// `wrap::vreinterpretq_*` wrappers as weak symbols outside the per-ISA namespace (the ODR check of
// tests/isa fails on them); a memcpy between two vector registers is a no-op for the compiler.
template <class To, class T, class A>
inline xsimd::batch<To, A> bitcast(const xsimd::batch<T, A>& x) noexcept {
  using from_reg = typename xsimd::batch<T, A>::register_type;
  using to_reg = typename xsimd::batch<To, A>::register_type;
  static_assert(sizeof(from_reg) == sizeof(to_reg), "bitcast between registers of different sizes");
  const from_reg f = x;
  to_reg t;
  std::memcpy(&t, &f, sizeof t);
  return xsimd::batch<To, A>(t);
}

}  // namespace compat
}  // namespace tritlut
