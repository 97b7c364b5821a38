// SPDX-License-Identifier: MIT
// examples/engine/lm_head.hpp - the output projection logits = E · x (not ternary).
//
// For 2B4T the tied F16 embedding is 128256 x 2560 = 657 MB, more than all ternary weights, so this
// GEMV is a pure DRAM stream: rows are split over the threads, F16 is converted in registers
// (F16C / NEON), and `--lm-head q8` builds an int8-per-row copy at load (half the bytes).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include <tritlut/tritlut.hpp>

#include "formats/gguf.hpp"

namespace trex {

enum class lm_head_kind { native, q8 };  // native: F32/F16 in place (other types converted to F16)
bool parse_lm_head(const std::string& s, lm_head_kind& out);  // "f16" | "native" | "q8"

class lm_head {
 public:
  lm_head() = default;
  // t: [K = dim, M = n_vocab] tensor of any supported float/quantized type. release_source: t lies
  // in a file mapping whose pages may be dropped once the q8 copy is built (never for memory buffers).
  // copy: an F16 head is copied into memory (huge pages, tritlut/memory.hpp) instead of being read
  // in place from t; the caller may then drop t's pages.
  static lm_head build(const gguf_tensor& t, lm_head_kind kind, tritlut::thread_pool& pool,
                       bool release_source = false, bool copy = false);
  // Row r of an F16 head held in memory (copied from an F16 tensor, or converted), or nullptr.
  const std::uint16_t* owned_f16_row(std::size_t r) const { return owned_f16_.data() ? f16_ + r * k_ : nullptr; }

  // logits[0..rows) = E · x for one token.
  // Heads below min_work weights run on the calling thread.
  void forward(tritlut::thread_pool& pool, const float* x, float* logits, std::size_t min_work);

  std::size_t rows() const { return m_; }
  std::size_t cols() const { return k_; }
  std::size_t bytes() const;    // streamed per token
  const char* type_name() const;  // "f32", "f16", "q8"

 private:
  std::size_t m_ = 0, k_ = 0;
  const float* f32_ = nullptr;          // [m][k] (in place)
  const std::uint16_t* f16_ = nullptr;  // [m][k] (in place, or owned_f16_)
  const std::int8_t* q8_ = nullptr;     // [m][k] int8, scale q8_scale_[r]
  tritlut::aligned_buffer<std::uint16_t> owned_f16_;
  tritlut::aligned_buffer<std::int8_t> owned_q8_;
  tritlut::aligned_buffer<float> q8_scale_;  // [m] amax_r / 127
  tritlut::act_q8 xq_;                       // x quantized for the q8 path
};

}  // namespace trex
