// SPDX-License-Identifier: MIT
// examples/common/error.hpp - the exception type of the example library.
#pragma once
#include <stdexcept>
#include <string>

namespace trex {

// Every parser/converter error: the message names the problem (file, key, tensor, offset).
class error : public std::runtime_error {
 public:
  explicit error(const std::string& what) : std::runtime_error(what) {}
};

}  // namespace trex
