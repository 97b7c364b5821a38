// SPDX-License-Identifier: MIT
// examples/engine/arch.cpp - the table of architectures (arch.hpp).
#include "engine/arch.hpp"

namespace trex {

namespace {

#define TREX_ARCH_ENTRY(name) &arch_##name,
const arch_def* const k_archs[] = {TREX_ARCHITECTURES(TREX_ARCH_ENTRY)};
#undef TREX_ARCH_ENTRY

}  // namespace

const arch_def* find_arch(const std::string& gguf_name) {
  for (const arch_def* a : k_archs)
    for (const char* n : a->gguf_names)
      if (n && gguf_name == n) return a;
  return nullptr;
}

std::string supported_archs() {
  std::string s;
  for (const arch_def* a : k_archs)
    for (const char* n : a->gguf_names)
      if (n) s += (s.empty() ? "" : ", ") + std::string(n);
  return s;
}

}  // namespace trex
