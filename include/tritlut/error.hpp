// SPDX-License-Identifier: MIT
// tritlut/error.hpp - the one exception type tritlut throws for bad input.
#pragma once

#include <stdexcept>
#include <string>

namespace tritlut {

// Thrown for invalid shapes, sizes, unknown ISAs and the like. The message names the problem
// and the offending values; kernels themselves never throw (arguments are checked before them).
class error : public std::runtime_error {
 public:
  explicit error(const std::string& what) : std::runtime_error("tritlut: " + what) {}
};

}  // namespace tritlut
