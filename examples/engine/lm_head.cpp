// SPDX-License-Identifier: MIT
// examples/engine/lm_head.cpp - building and running the output projection.
#include "engine/lm_head.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "common/error.hpp"
#include "common/mapping.hpp"
#include "formats/quants.hpp"
#include "common/vec.hpp"

namespace trex {

bool parse_lm_head(const std::string& s, lm_head_kind& out) {
  if (s == "f16" || s == "native" || s == "f32") out = lm_head_kind::native;
  else if (s == "q8") out = lm_head_kind::q8;
  else return false;
  return true;
}

namespace {
// Split [0, m) over the pool in multiples of 64 rows; f(r0, r1) per part. Runs inline when the
// job's work (weights) is below min_work.
template <class F>
void split_rows(tritlut::thread_pool& pool, std::size_t m, F&& f, std::size_t work = 0, std::size_t min_work = 0) {
  const std::size_t parts = work < min_work ? 1 : pool.size();
  if (parts == 1) {
    f(std::size_t(0), m);
    return;
  }
  pool.parallel_for(parts, [&](std::size_t i) {
    const auto [r0, r1] = tritlut::partition_rows(m, parts, i, 64);
    if (r0 < r1) f(r0, r1);
  });
}

}  // namespace

lm_head lm_head::build(const gguf_tensor& t, lm_head_kind kind, tritlut::thread_pool& pool, bool release_source,
                       bool copy) {
  lm_head h;
  h.m_ = static_cast<std::size_t>(t.rows());
  h.k_ = static_cast<std::size_t>(t.cols());
  const std::string name(t.name);
  if (is_ternary(t.type)) throw error("tensor " + name + ": a ternary output projection is not supported");
  if (kind == lm_head_kind::q8) {
    h.owned_q8_ = tritlut::aligned_buffer<std::int8_t>(h.m_ * h.k_);
    h.q8_scale_ = tritlut::aligned_buffer<float>(h.m_);
    split_rows(pool, h.m_, [&](std::size_t r0, std::size_t r1) {
      std::vector<float> row(h.k_);
      for (std::size_t r = r0; r < r1; ++r) {
        dequantize_row(t, r, row.data());
        float amax = 0;
        for (float v : row) amax = std::max(amax, std::fabs(v));
        const float s = amax > 0 ? amax / 127.0f : 1.0f;
        const float inv = 1.0f / s;
        std::int8_t* q = h.owned_q8_.data() + r * h.k_;
        for (std::size_t i = 0; i < h.k_; ++i)
          q[i] = static_cast<std::int8_t>(std::clamp(std::nearbyint(row[i] * inv), -127.0f, 127.0f));
        h.q8_scale_[r] = s;
        // Drop the source rows as they are converted: peak RSS = mapped rows in flight + the q8 copy.
        if (release_source && (r + 1 - r0) % 256 == 0)
          release_pages(t.data + (r - 255) * (t.nbytes / h.m_), 256 * static_cast<std::size_t>(t.nbytes / h.m_));
      }
    });
    h.q8_ = h.owned_q8_.data();
    if (release_source) release_pages(t.data, static_cast<std::size_t>(t.nbytes));
    return h;
  }
  const bool aligned = reinterpret_cast<std::uintptr_t>(t.data) % 4 == 0;
  if (t.type == ggml_type::f32 && aligned) {
    h.f32_ = reinterpret_cast<const float*>(t.data);
  } else if (t.type == ggml_type::f16 && aligned && !copy) {
    h.f16_ = reinterpret_cast<const std::uint16_t*>(t.data);
  } else if (t.type == ggml_type::f16) {
    // Streamed every token: from huge pages the 2B4T head GEMV runs ~3% faster than from the
    // 4 KiB pages of the file mapping (docs/run.md, --no-mmap).
    h.owned_f16_ = tritlut::aligned_buffer<std::uint16_t>(h.m_ * h.k_, tritlut::uninitialized);
    const std::size_t row_bytes = static_cast<std::size_t>(t.nbytes / h.m_);
    split_rows(pool, h.m_, [&](std::size_t r0, std::size_t r1) {
      // In blocks of rows, each dropped from the mapping once copied: peak RSS = the copy + a block.
      for (std::size_t b0 = r0; b0 < r1; b0 += 256) {
        const std::size_t b1 = std::min(r1, b0 + 256);
        std::memcpy(h.owned_f16_.data() + b0 * h.k_, t.data + b0 * row_bytes, (b1 - b0) * row_bytes);
        if (release_source) release_pages(t.data + b0 * row_bytes, (b1 - b0) * row_bytes);
      }
    });
    h.f16_ = h.owned_f16_.data();
  } else {
    // Q6_K, Q8_0, BF16, ... heads: converted once to F16 (same bytes per token as bitnet.cpp's F16 head).
    h.owned_f16_ = tritlut::aligned_buffer<std::uint16_t>(h.m_ * h.k_);
    split_rows(pool, h.m_, [&](std::size_t r0, std::size_t r1) {
      std::vector<float> row(h.k_);
      for (std::size_t r = r0; r < r1; ++r) {
        dequantize_row(t, r, row.data());
        vec_scalar().to_f16(row.data(), h.owned_f16_.data() + r * h.k_, h.k_);
      }
    });
    h.f16_ = h.owned_f16_.data();
  }
  return h;
}

void lm_head::forward(tritlut::thread_pool& pool, const float* x, float* logits, std::size_t min_work) {
  const vec_ops& v = vec();
  if (q8_) {
    tritlut::quantize(x, 1, k_, k_, xq_);
    const std::int8_t* xq = xq_.row(0);
    const float xs = xq_.scale(0);
    split_rows(pool, m_, [&](std::size_t r0, std::size_t r1) {
      v.gemv_q8(q8_, q8_scale_.data(), k_, xq, xs, k_, logits + r0, r0, r1);
    }, m_ * k_, min_work);
  } else if (f16_) {
    split_rows(pool, m_, [&](std::size_t r0, std::size_t r1) { v.gemv_f16(f16_, k_, x, k_, logits + r0, r0, r1); }, m_ * k_, min_work);
  } else {
    split_rows(pool, m_, [&](std::size_t r0, std::size_t r1) {
      for (std::size_t r = r0; r < r1; ++r) logits[r] = dot_f32(f32_ + r * k_, x, k_);
    }, m_ * k_, min_work);
  }
}

std::size_t lm_head::bytes() const { return m_ * k_ * (q8_ ? 1 : f16_ ? 2 : 4); }
const char* lm_head::type_name() const { return q8_ ? "q8" : f16_ ? "f16" : "f32"; }

}  // namespace trex
