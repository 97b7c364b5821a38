// SPDX-License-Identifier: MIT
// examples/lib/error.hpp - the exception type of the example library.
#pragma once
#include <stdexcept>
#include <string>

namespace tritlut::ex {

// Every parser/converter error: the message names the problem (file, key, tensor, offset).
class error : public std::runtime_error {
 public:
  explicit error(const std::string& what) : std::runtime_error(what) {}
};

}  // namespace tritlut::ex
