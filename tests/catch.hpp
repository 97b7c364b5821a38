// SPDX-License-Identifier: MIT
// tests/catch.hpp - include Catch2 v2 or v3 behind one name.
#pragma once
#if TRITLUT_CATCH_MAJOR >= 3
#include <catch2/catch_all.hpp>
#else
#include <catch2/catch.hpp>
#endif

#if TRITLUT_CATCH_MAJOR >= 3
// v2 spelled the substring matcher Catch::Contains; keep that one name for both versions.
namespace Catch {
inline Matchers::StringContainsMatcher Contains(const std::string& s,
                                                CaseSensitive cs = CaseSensitive::Yes) {
  return Matchers::ContainsSubstring(s, cs);
}
}  // namespace Catch
#endif
