// SPDX-License-Identifier: MIT
// examples/convert/internal.hpp - helpers shared by the converters (not a public API).
#pragma once

#include <cstdint>
#include <vector>

#include "convert/convert.hpp"
#include "formats/gguf.hpp"

#include "common/rng.hpp"

namespace trex::detail {

using trex::rng;  // rng.hpp

// Streams a ternary tensor of n weights into the writer in fmt (I2_S, TQ1_0, TQ2_0).
// put(): chunks of a multiple of 256 weights (the last may be a multiple of 128 for I2_S).
class ternary_sink {
 public:
  ternary_sink(gguf_writer& w, ggml_type fmt, std::uint64_t n, float alpha);
  void put(const std::int8_t* w, std::size_t n);
  void finish();

 private:
  gguf_writer& w_;
  ggml_type fmt_;
  std::uint64_t n_, done_ = 0;
  float alpha_;
  std::vector<std::uint8_t> buf_;
};

ggml_type parse_ternary_format(const std::string& s);  // "i2s"/"i2_s", "tq2_0", "tq1_0"
std::uint32_t file_type_of(ggml_type t);               // general.file_type for a ternary format

}  // namespace trex::detail
