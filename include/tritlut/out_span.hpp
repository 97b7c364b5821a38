// SPDX-License-Identifier: MIT
// tritlut/out_span.hpp - an output buffer with its length, for the checked GEMM/GEMV overloads.
//
// The raw-pointer entry points (gemm(w, x, float* y, ldy, ...)) cannot know how much memory y
// points to: a buffer that is too small is overwritten past its end. Passing an out_span instead
// (or a std::vector / aligned_buffer / std::array, which convert to one) lets the entry point
// check that the output holds every element it writes and throw tritlut::error otherwise.
#pragma once

#include <cstddef>
#include <type_traits>
#include <utility>

namespace tritlut {

template <class T>
struct out_span {
  T* data = nullptr;
  std::size_t size = 0;  // elements (not bytes) that may be written at data[0 .. size)

  constexpr out_span() noexcept = default;
  constexpr out_span(T* p, std::size_t n) noexcept : data(p), size(n) {}
  // Any non-const contiguous container of T with data() and size() (std::vector, std::array,
  // tritlut::aligned_buffer, std::span).
  template <class C, class = std::enable_if_t<
                         !std::is_same_v<std::remove_cv_t<C>, out_span> &&
                         std::is_convertible_v<decltype(std::declval<C&>().data()), T*> &&
                         std::is_convertible_v<decltype(std::declval<C&>().size()), std::size_t>>>
  constexpr out_span(C& c) noexcept : data(c.data()), size(static_cast<std::size_t>(c.size())) {}  // NOLINT: implicit on purpose
};

}  // namespace tritlut
