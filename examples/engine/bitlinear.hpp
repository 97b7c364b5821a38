// SPDX-License-Identifier: MIT
// examples/engine/bitlinear.hpp - a BitLinear layer: y = ((float)(W·q) / act_scale) · α (FORMATS.md §2),
// with the weight format chosen at load (I2_S in place; TL1/TL2 repacked) and the input quantized
// once and shared by every layer that reads it (Q/K/V, gate/up). Weights whose blocks carry
// different scales (TQ1_0/TQ2_0/Q2_0 as llama.cpp writes non-BitNet models; FORMATS.md §5.4) are
// a group-scaled I2_S matrix, y = Σ_g d_g · (Σ_{k∈g} w·q) / act_scale, whatever the kernel choice.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <tritlut/tritlut.hpp>

#include "formats/gguf.hpp"

namespace trex {

// The weight format (tritlut/matrix.hpp): I2_S, TL1 or TL2.
using kernel_kind = tritlut::weight_format;
const char* to_string(kernel_kind k);
bool parse_kernel(const std::string& s, kernel_kind& out);  // "i2s" | "tl1" | "tl2"
bool kernel_available(kernel_kind k);                      // TL1/TL2 compiled into this build?

// The quantized input of one or more BitLinears: n tokens x k values (FORMATS.md §1), plus the
// lookup tables when the weights are TL1/TL2 (built once for all matrices that read this input).
class bitlinear_input {
 public:
  // x: [n][ldx] floats. Quantizes once; builds the tables for `kind` when it needs them.
  void set(const float* x, std::size_t n, std::size_t k, std::size_t ldx, kernel_kind kind) { in_.set(x, n, k, ldx, kind); }
  const tritlut::act_q8& q8() const { return in_.q8(); }
  const tritlut::ternary_input& input() const { return in_; }
  std::size_t tokens() const { return in_.tokens(); }
  kernel_kind kind() const { return in_.format(); }

 private:
  tritlut::ternary_input in_;
};

class bitlinear {
 public:
  bitlinear() = default;
  // A ternary GGUF tensor (I2_S used in place when K % 128 == 0; TQ1_0/TQ2_0/Q2_0 unpacked) of
  // shape M x K, repacked to `kind`; block scales that one per-tensor scale cannot express give a
  // group-scaled matrix instead. Throws naming the tensor on a wrong type or shape.
  static bitlinear from_tensor(const gguf_tensor& t, std::size_t m, std::size_t k, kernel_kind kind);
  // From ternary values (tests): w is m*k int8 in {-1, 0, 1}.
  static bitlinear from_ternary(const std::int8_t* w, std::size_t m, std::size_t k, float alpha, kernel_kind kind);

  std::size_t rows() const { return grouped() ? g_.rows() : w_.rows(); }
  std::size_t cols() const { return grouped() ? g_.cols() : w_.cols(); }
  kernel_kind kind() const { return w_.format(); }
  bool grouped() const { return !g_.empty(); }  // group-scaled weights (the input's q8 only)
  std::size_t group() const { return grouped() ? g_.group() : 0; }
  // Split rows between threads at multiples of this.
  std::size_t row_align() const { return grouped() ? tritlut::row_split_step(g_.view()) : w_.row_split_step(); }
  std::size_t weight_bytes() const { return grouped() ? g_.packed_bytes() : w_.bytes(); }  // bytes streamed per pass
  bool reads_file() const { return !grouped() && w_.borrows_data(); }  // I2_S used in place (a view of the file)
  float extra_scale = 1.0f;                         // optional `.scale` tensor (MODELS.md §2), applied after

  // Moving the weights into one arena shared by the model, so that they sit in huge pages
  // (tritlut/memory.hpp): the bytes move_to needs, then the move itself (dst 64-byte aligned); the
  // layer's own copy is freed. Weights held in memory (TL repacks, I2_S unpacked from TQ1_0/TQ2_0)
  // always move; I2_S read in place from the file only when with_mapped (then copied).
  // Group-scaled weights keep their own buffers (arena_bytes 0).
  std::size_t arena_bytes(bool with_mapped) const { return grouped() ? 0 : w_.place_bytes(with_mapped); }
  const std::uint8_t* mapped_data() const { return reads_file() ? w_.i2s().data : nullptr; }  // the file bytes read
  void move_to(std::uint8_t* dst, bool with_mapped) {
    if (!grouped()) w_.place(dst, with_mapped);
  }

  // y[n * ldy + r] for rows [r0, r1) and every token of x.
  void run(const bitlinear_input& x, float* y, std::size_t ldy, std::size_t r0, std::size_t r1) const;

 private:
  tritlut::ternary_matrix w_;
  tritlut::i2s_group_matrix g_;
};

// One matrix product of a fused group: out = W · input.
struct bitlinear_job {
  const bitlinear* w;
  float* y;          // [n][ldy]
  std::size_t ldy;
};

// Below this many weight x token products a group runs on the calling thread: handing 2^20
// products to the pool costs about what computing them does.
inline constexpr std::size_t default_min_parallel_work = std::size_t(1) << 20;

// Runs every job of the group (all reading `x`) in one parallel_for: task i does part i of the
// rows of each matrix, so the pool synchronises once per group instead of once per matrix.
// Groups smaller than min_work weight x token products run on the calling thread (a hand-off to
// the pool costs more than it saves for tiny matrices).
void run_bitlinears(tritlut::thread_pool& pool, const bitlinear_input& x, const bitlinear_job* jobs, std::size_t n_jobs,
                    std::size_t min_work = default_min_parallel_work);

}  // namespace trex
