// SPDX-License-Identifier: MIT
// examples/engine/sampler.cpp
#include "engine/sampler.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "common/error.hpp"

namespace trex {

std::int32_t argmax(const float* v, std::size_t n) {
  std::size_t best = 0;
  for (std::size_t i = 1; i < n; ++i)
    if (v[i] > v[best]) best = i;
  return static_cast<std::int32_t>(best);
}

sampler::sampler(const sampler_params& p) : p_(p) {
  // Probabilities and cut-offs: out of range they silently turn sampling off or into greedy.
  auto bad = [](const char* what, float v, const char* range) {
    return error(std::string("sampler: ") + what + " = " + std::to_string(v) + " is outside " + range);
  };
  if (std::isnan(p.temp) || std::isinf(p.temp)) throw bad("temperature", p.temp, "the finite numbers (<= 0: greedy)");
  if (!(p.top_p >= 0.0f && p.top_p <= 1.0f)) throw bad("top-p", p.top_p, "[0, 1]");
  if (!(p.min_p >= 0.0f && p.min_p <= 1.0f)) throw bad("min-p", p.min_p, "[0, 1]");
  if (!(p.repeat_penalty > 0.0f && std::isfinite(p.repeat_penalty))) throw bad("repeat penalty", p.repeat_penalty, "(0, inf)");
  reset();
}

void sampler::reset() {
  rng_ = rng(p_.seed);
  recent_.clear();
}

double sampler::uniform() { return rng_.uniform(); }

void sampler::accept(std::int32_t token) {
  if (p_.repeat_last_n <= 0) return;
  recent_.push_back(token);
  while (recent_.size() > static_cast<std::size_t>(p_.repeat_last_n)) recent_.pop_front();
}

std::int32_t sampler::sample(float* logits, std::size_t n) {
  if (p_.repeat_penalty != 1.0f) {
    std::vector<std::int32_t> seen(recent_.begin(), recent_.end());
    std::sort(seen.begin(), seen.end());
    seen.erase(std::unique(seen.begin(), seen.end()), seen.end());
    for (std::int32_t t : seen) {
      if (t < 0 || static_cast<std::size_t>(t) >= n) continue;
      float& l = logits[t];
      l = l > 0 ? l / p_.repeat_penalty : l * p_.repeat_penalty;
    }
  }
  if (p_.temp <= 0.0f) return argmax(logits, n);

  // Candidates sorted by logit (top-k first, so sorting stays cheap for 128256 tokens).
  const std::size_t k = p_.top_k > 0 ? std::min<std::size_t>(static_cast<std::size_t>(p_.top_k), n) : n;
  cand_.resize(n);
  for (std::size_t i = 0; i < n; ++i) cand_[i] = {logits[i], static_cast<std::int32_t>(i)};
  auto by_logit = [](const auto& a, const auto& b) { return a.first > b.first || (a.first == b.first && a.second < b.second); };
  std::partial_sort(cand_.begin(), cand_.begin() + static_cast<std::ptrdiff_t>(k), cand_.end(), by_logit);
  cand_.resize(k);
  // Softmax with temperature.
  const float mx = cand_[0].first;
  double sum = 0;
  for (auto& c : cand_) {
    c.first = static_cast<float>(std::exp(double(c.first - mx) / double(p_.temp)));
    sum += c.first;
  }
  for (auto& c : cand_) c.first = static_cast<float>(c.first / sum);
  // min-p: drop tokens far less likely than the best.
  std::size_t keep = cand_.size();
  if (p_.min_p > 0.0f) {
    const float lim = p_.min_p * cand_[0].first;
    keep = 1;
    while (keep < cand_.size() && cand_[keep].first >= lim) ++keep;
  }
  // top-p: smallest prefix with probability mass >= top_p.
  if (p_.top_p < 1.0f) {
    double mass = 0;
    std::size_t i = 0;
    for (; i < keep; ++i) {
      mass += cand_[i].first;
      if (mass >= p_.top_p) {
        ++i;
        break;
      }
    }
    keep = std::max<std::size_t>(1, std::min(keep, i));
  }
  double total = 0;
  for (std::size_t i = 0; i < keep; ++i) total += cand_[i].first;
  double r = uniform() * total;
  for (std::size_t i = 0; i < keep; ++i) {
    r -= cand_[i].first;
    if (r < 0) return cand_[i].second;
  }
  return cand_[keep - 1].second;
}

}  // namespace trex
