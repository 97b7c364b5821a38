// SPDX-License-Identifier: MIT
// examples/common/mapping.hpp - page-level hints on the read-only model mapping.
#pragma once

#include <cstddef>
#include <cstdint>

namespace trex {

// Reads every page of [p, p + n) once so that decoding never takes a page fault (PERFORMANCE.md:
// mmap faults cost ~10 % of decode).
void prefault(const std::uint8_t* p, std::size_t n);
// Drops the whole pages of [p, p + n) from this process (a private read-only file mapping: a later
// read faults them back in from the page cache). Used once tensors were repacked into memory, so
// that peak RSS stays near the file size. Never call it on heap memory.
void release_pages(const void* p, std::size_t n);

}  // namespace trex
