// SPDX-License-Identifier: MIT
// examples/engine/ops.cpp
#include "engine/ops.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "common/vec.hpp"

namespace trex {

void rmsnorm(const float* x, const float* g, float eps, std::size_t n, std::size_t d, float* out) {
  for (std::size_t t = 0; t < n; ++t) {
    const float* xr = x + t * d;
    float* o = out + t * d;
    // Four double partial sums: one chain would wait on the add latency for every element.
    double s4[4] = {0, 0, 0, 0};
    std::size_t i = 0;
    for (; i + 4 <= d; i += 4)
      for (int j = 0; j < 4; ++j) s4[j] += double(xr[i + j]) * double(xr[i + j]);
    for (; i < d; ++i) s4[0] += double(xr[i]) * double(xr[i]);
    const double ss = (s4[0] + s4[1]) + (s4[2] + s4[3]);
    const float r = static_cast<float>(1.0 / std::sqrt(ss / double(d) + double(eps)));
    for (std::size_t e = 0; e < d; ++e) o[e] = (xr[e] * r) * g[e];
  }
}

void rope_table(std::size_t pos, std::size_t head_dim, float theta, float* cs) {
  const std::size_t half = head_dim / 2;
  for (std::size_t i = 0; i < half; ++i) {
    const double freq = std::pow(double(theta), -2.0 * double(i) / double(head_dim));
    const double a = double(pos) * freq;
    cs[2 * i] = static_cast<float>(std::cos(a));
    cs[2 * i + 1] = static_cast<float>(std::sin(a));
  }
}

void rope(float* v, std::size_t n_heads, std::size_t head_dim, const float* cs, bool neox) {
  const std::size_t half = head_dim / 2;
  for (std::size_t h = 0; h < n_heads; ++h) {
    float* x = v + h * head_dim;
    for (std::size_t i = 0; i < half; ++i) {
      const std::size_t i0 = neox ? i : 2 * i, i1 = neox ? i + half : 2 * i + 1;
      const float c = cs[2 * i], s = cs[2 * i + 1], a = x[i0], b = x[i1];
      x[i0] = a * c - b * s;
      x[i1] = a * s + b * c;
    }
  }
}

void gated_act(float* g, const float* u, std::size_t n, bool relu2) {
  if (relu2) {
    // max(g, 0) by clearing negative floats through their sign bit: GCC neither if-converts a float
    // compare (-ftrapping-math) nor vectorizes std::max, and a branch on the sign of g mispredicts
    // half the time (8x slower per 6912-wide call in 2B4T decoding).
    float* __restrict gr = g;
    const float* __restrict ur = u;
    for (std::size_t i = 0; i < n; ++i) {
      std::int32_t bits;
      std::memcpy(&bits, &gr[i], sizeof bits);
      bits &= ~(bits >> 31);
      float r;
      std::memcpy(&r, &bits, sizeof r);
      gr[i] = (r * r) * ur[i];
    }
  } else {
    for (std::size_t i = 0; i < n; ++i) g[i] = g[i] / (1.0f + std::exp(-g[i])) * u[i];
  }
}

void attention(tritlut::thread_pool& pool, const kv_cache& cache, std::size_t layer, const float* q, std::size_t n,
               std::size_t pos0, std::size_t n_heads, std::size_t n_kv_heads, std::size_t head_dim, float* out,
               std::size_t min_work) {
  const std::size_t qd = n_heads * head_dim, group = n_heads / n_kv_heads;
  const float scale = static_cast<float>(1.0 / std::sqrt(double(head_dim)));
  const vec_ops& vo = vec();
  auto one = [&](std::size_t task) {
    const std::size_t t = task / n_heads, h = task % n_heads, pos = pos0 + t, off = (h / group) * head_dim;
    thread_local std::vector<float> scores;  // [pos + 1]
    scores.resize(pos + 1);
    const float* qh = q + t * qd + h * head_dim;
    float mx = -INFINITY;
    for (std::size_t p = 0; p <= pos; ++p) {
      scores[p] = cache.dot_k(vo, layer, p, off, qh, head_dim) * scale;
      mx = std::max(mx, scores[p]);
    }
    float sum = 0;
    for (std::size_t p = 0; p <= pos; ++p) {
      scores[p] = std::exp(scores[p] - mx);
      sum += scores[p];
    }
    float* o = out + t * qd + h * head_dim;
    std::fill(o, o + head_dim, 0.0f);
    const float inv = 1.0f / sum;
    for (std::size_t p = 0; p <= pos; ++p) cache.axpy_v(vo, layer, p, off, scores[p] * inv, o, head_dim);
  };
  // Small attention (short context, one token): not worth a hand-off to the pool.
  if (n * n_heads * (pos0 + n) * head_dim < min_work) {
    for (std::size_t t = 0; t < n * n_heads; ++t) one(t);
  } else {
    pool.parallel_for(n * n_heads, one);
  }
}

}  // namespace trex
