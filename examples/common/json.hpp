// SPDX-License-Identifier: MIT
// examples/common/json.hpp - a small strict JSON (RFC 8259) DOM parser for config.json,
// tokenizer.json and safetensors headers. Objects keep key order; lookups are linear.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.hpp"

namespace trex {

class json {
 public:
  enum class kind { null, boolean, number, string, array, object };

  // Throws trex::error "json: <what> at line L column C" on malformed input
  // (depth is limited to 512).
  static json parse(std::string_view text);

  kind type() const { return kind_; }
  bool is_null() const { return kind_ == kind::null; }
  bool is_number() const { return kind_ == kind::number; }
  bool is_string() const { return kind_ == kind::string; }
  bool is_array() const { return kind_ == kind::array; }
  bool is_object() const { return kind_ == kind::object; }
  bool is_bool() const { return kind_ == kind::boolean; }

  bool as_bool() const;
  double as_double() const;
  std::int64_t as_int() const;  // throws unless an integral number in range
  const std::string& as_string() const;
  const std::vector<json>& as_array() const;
  const std::vector<std::pair<std::string, json>>& as_object() const;

  const json* find(std::string_view key) const;  // object member or nullptr
  const json& at(std::string_view key) const;    // throws "missing key"
  std::size_t size() const;                      // array/object size

 private:
  friend class json_parser;
  kind kind_ = kind::null;
  bool b_ = false;
  double num_ = 0.0;
  std::string str_;
  std::vector<json> arr_;
  std::vector<std::pair<std::string, json>> obj_;
};

// Reads and parses a whole file (throws naming the path).
json parse_json_file(const std::string& path);

}  // namespace trex
