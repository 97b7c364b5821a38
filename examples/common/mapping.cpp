// SPDX-License-Identifier: MIT
// examples/common/mapping.cpp
#include "common/mapping.hpp"

#include <sys/mman.h>

namespace trex {

namespace {
constexpr std::uintptr_t k_page = 4096;
}

void prefault(const std::uint8_t* p, std::size_t n) {
  if (n == 0) return;
  const auto a = reinterpret_cast<std::uintptr_t>(p), lo = a / k_page * k_page;
  madvise(reinterpret_cast<void*>(lo), n + (a - lo), MADV_WILLNEED);
  volatile std::uint8_t sink = 0;
  for (std::size_t i = 0; i < n; i += k_page) sink = static_cast<std::uint8_t>(sink + p[i]);
  sink = static_cast<std::uint8_t>(sink + p[n - 1]);
}

void release_pages(const void* p, std::size_t n) {
  const auto a = reinterpret_cast<std::uintptr_t>(p);
  const std::uintptr_t lo = (a + k_page - 1) / k_page * k_page, hi = (a + n) / k_page * k_page;
  if (hi > lo) madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_DONTNEED);
}

}  // namespace trex
