// SPDX-License-Identifier: MIT
// examples/engine/bitlinear.cpp - BitLinear weights in I2_S / TL1 / TL2 and the fused parallel runner.
#include "engine/bitlinear.hpp"


#include "common/error.hpp"
#include "formats/quants.hpp"

namespace trex {

const char* to_string(kernel_kind k) { return tritlut::format_name(k); }

bool parse_kernel(const std::string& s, kernel_kind& out) { return tritlut::parse_format(s, out); }

bool kernel_available(kernel_kind) { return true; }

namespace {

// One per-tensor scale expresses g exactly when every block has the same scale s or scale 0 with
// only zero weights (BitNet-trained files: per-tensor ternarization, all-zero blocks d = 0), and no
// weight is Q2_0's +2. alpha: s (0 for an all-zero tensor).
bool one_scale(const ternary_groups& g, float& alpha) {
  alpha = 0;
  const std::size_t G = static_cast<std::size_t>(g.group);
  for (std::size_t b = 0; b < g.scales.size(); ++b) {
    const float d = g.scales[b];
    const std::int8_t* w = g.w.data() + b * G;
    for (std::size_t i = 0; i < G; ++i)
      if (w[i] > 1 || (d == 0 && w[i] != 0)) return false;
    if (d == 0) continue;
    if (alpha != 0 && d != alpha) return false;
    alpha = d;
  }
  return true;
}

}  // namespace

bitlinear bitlinear::from_tensor(const gguf_tensor& t, std::size_t m, std::size_t k, kernel_kind kind) {
  const std::string name(t.name);
  if (!is_ternary(t.type))
    throw error("tensor " + name + " has type " + to_string(t.type) +
                "; BitLinear weights must be ternary (I2_S, TQ1_0, TQ2_0 or Q2_0)");
  if (t.cols() != k || t.rows() != m || t.ne[2] != 1 || t.ne[3] != 1)
    throw error("tensor " + name + " has shape [" + std::to_string(t.ne[0]) + ", " + std::to_string(t.ne[1]) +
                "], expected [" + std::to_string(k) + ", " + std::to_string(m) + "]");
  if (t.type == ggml_type::i2_s) {
    // I2_S stays in place; TL1/TL2 repack straight from the I2_S bytes, which are then no longer read.
    bitlinear b;
    b.w_ = tritlut::ternary_matrix::from_i2s_file(kind, t.data, static_cast<std::size_t>(t.nbytes), m, k);
    return b;
  }
  const ternary_groups g = load_ternary_groups(t);
  float alpha = 0;
  if (one_scale(g, alpha)) return from_ternary(g.w.data(), m, k, alpha, kind);
  bitlinear b;
  b.g_ = tritlut::i2s_group_matrix::pack(g.w.data(), m, k, static_cast<std::size_t>(g.group), g.scales.data());
  return b;
}

bitlinear bitlinear::from_ternary(const std::int8_t* w, std::size_t m, std::size_t k, float alpha, kernel_kind kind) {
  bitlinear b;
  b.w_ = tritlut::ternary_matrix::pack(kind, w, m, k, alpha);
  return b;
}

void bitlinear::run(const bitlinear_input& x, float* y, std::size_t ldy, std::size_t r0, std::size_t r1) const {
  if (r0 >= r1) return;
  if (grouped()) {
    tritlut::gemm(g_.view(), x.q8().view(), y, ldy, r0, r1);
  } else {
    if (x.kind() != kind())
      throw error(std::string("bitlinear: input prepared for ") + to_string(x.kind()) + ", weights are " + to_string(kind()));
    tritlut::gemm(w_, x.input(), y, ldy, r0, r1);
  }
  if (extra_scale != 1.0f)
    for (std::size_t n = 0; n < x.tokens(); ++n)
      for (std::size_t r = r0; r < r1; ++r) y[n * ldy + r] *= extra_scale;
}

void run_bitlinears(tritlut::thread_pool& pool, const bitlinear_input& x, const bitlinear_job* jobs, std::size_t n_jobs,
                    std::size_t min_work) {
  std::size_t work = 0;
  for (std::size_t j = 0; j < n_jobs; ++j) work += jobs[j].w->rows() * jobs[j].w->cols() * x.tokens();
  const std::size_t parts = work < min_work ? 1 : pool.size();
  auto part = [&](std::size_t i) {
    for (std::size_t j = 0; j < n_jobs; ++j) {
      const bitlinear& w = *jobs[j].w;
      const auto [r0, r1] = tritlut::partition_rows(w.rows(), parts, i, w.row_align());
      w.run(x, jobs[j].y, jobs[j].ldy, r0, r1);
    }
  };
  if (parts == 1) part(0);
  else pool.parallel_for(parts, part);
}

}  // namespace trex
