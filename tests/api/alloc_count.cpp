// SPDX-License-Identifier: MIT
// Counts allocations for tests/api/test_api.cpp ("the hot calls do not allocate"): this executable
// replaces the global operator new and aligned_alloc (tritlut::aligned_buffer's allocator). Kept in
// its own TU so that no caller inlines the replacements (g++ then warns new/free mismatches that
// are not there: both ends are malloc/free here). The replacement aligned_alloc is built on
// posix_memalign, which glibc does not implement through aligned_alloc.
#include <stdlib.h>

#include <atomic>
#include <cstddef>
#include <new>

namespace alloc_count {
std::atomic<long> allocs{0};
std::atomic<bool> counting{false};
}  // namespace alloc_count

namespace {
void count() noexcept {
  if (alloc_count::counting.load(std::memory_order_relaxed)) alloc_count::allocs.fetch_add(1, std::memory_order_relaxed);
}
}  // namespace

void* operator new(std::size_t n) {
  count();
  if (void* p = malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
// Every unaligned form is replaced, so that each delete meets the new it pairs with (with only the
// plain form replaced, ASan's nothrow new met this free-based delete: alloc-dealloc-mismatch).
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  count();
  return malloc(n ? n : 1);
}
void* operator new[](std::size_t n) { return operator new(n); }
void* operator new[](std::size_t n, const std::nothrow_t& t) noexcept { return operator new(n, t); }
void operator delete(void* p) noexcept { free(p); }
void operator delete(void* p, std::size_t) noexcept { free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { free(p); }
void operator delete[](void* p) noexcept { free(p); }
void operator delete[](void* p, std::size_t) noexcept { free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { free(p); }

extern "C" void* aligned_alloc(std::size_t align, std::size_t n) noexcept {
  count();
  void* p = nullptr;
  return posix_memalign(&p, align < sizeof(void*) ? sizeof(void*) : align, n) == 0 ? p : nullptr;
}
