// SPDX-License-Identifier: MIT
// examples/lib/convert_internal.hpp - helpers shared by the converters (not a public API).
#pragma once

#include <cstdint>
#include <vector>

#include "convert.hpp"
#include "gguf.hpp"

namespace tritlut::ex::detail {

// xoshiro256** seeded through splitmix64: fast, reproducible on every platform.
class rng {
 public:
  explicit rng(std::uint64_t seed) {
    for (auto& x : s_) {
      seed += 0x9E3779B97F4A7C15ull;
      std::uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
      x = z ^ (z >> 31);
    }
  }
  std::uint64_t next() {
    const std::uint64_t r = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return r;
  }
  double uniform() { return double(next() >> 11) * (1.0 / 9007199254740992.0); }  // [0, 1)

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4];
};

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

}  // namespace tritlut::ex::detail
