// SPDX-License-Identifier: MIT
// examples/engine/sampler.hpp - next-token choice: repetition penalty, then greedy (temp <= 0) or
// temperature + top-k + top-p + min-p sampling with a seeded generator (same seed, same text).
#pragma once

#include "common/rng.hpp"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

namespace trex {

struct sampler_params {
  float temp = 0.8f;            // <= 0: greedy
  int top_k = 40;               // <= 0: all tokens
  float top_p = 0.95f;          // >= 1: off
  float min_p = 0.05f;          // <= 0: off; keeps tokens with p >= min_p * p_max
  float repeat_penalty = 1.0f;  // 1: off; llama.cpp rule (divide positive logits, multiply negative)
  int repeat_last_n = 64;       // tokens the penalty looks back over
  std::uint64_t seed = 0;
};

class sampler {
 public:
  explicit sampler(const sampler_params& p);
  // Chooses a token from logits[0..n) (modified in place by the penalty).
  std::int32_t sample(float* logits, std::size_t n);
  // Records a token of the context (prompt or generated) for the repetition penalty.
  void accept(std::int32_t token);
  void reset();

 private:
  double uniform();  // [0, 1)
  sampler_params p_;
  rng rng_{0};
  std::deque<std::int32_t> recent_;
  std::vector<std::pair<float, std::int32_t>> cand_;
};

std::int32_t argmax(const float* v, std::size_t n);

}  // namespace trex
