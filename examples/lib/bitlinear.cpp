// SPDX-License-Identifier: MIT
// examples/lib/bitlinear.cpp - BitLinear weights in I2_S / TL1 / TL2 and the fused parallel runner.
#include "bitlinear.hpp"

#include <algorithm>
#include <cstring>

#include "error.hpp"
#include "quants.hpp"

namespace tritlut::ex {

const char* to_string(kernel_kind k) {
  switch (k) {
    case kernel_kind::i2s: return "i2s";
    case kernel_kind::tl1: return "tl1";
    case kernel_kind::tl2: return "tl2";
  }
  return "?";
}

bool parse_kernel(const std::string& s, kernel_kind& out) {
  if (s == "i2s" || s == "i2_s") out = kernel_kind::i2s;
  else if (s == "tl1") out = kernel_kind::tl1;
  else if (s == "tl2") out = kernel_kind::tl2;
  else return false;
  return true;
}

bool kernel_available(kernel_kind k) { return k == kernel_kind::i2s || TRITLUT_EX_HAVE_TL; }

void bitlinear_input::set(const float* x, std::size_t n, std::size_t k, std::size_t ldx, kernel_kind kind) {
  tritlut::quantize(x, n, k, ldx, q_);
  kind_ = kind;
#if TRITLUT_EX_HAVE_TL
  if (kind == kernel_kind::tl1) lut_.build(tritlut::tl_kind::tl1, q_.view());
  if (kind == kernel_kind::tl2) lut_.build(tritlut::tl_kind::tl2, q_.view());
#endif
}

bitlinear bitlinear::from_tensor(const gguf_tensor& t, std::size_t m, std::size_t k, kernel_kind kind) {
  const std::string name(t.name);
  if (!is_ternary(t.type))
    throw error("tensor " + name + " has type " + to_string(t.type) +
                "; BitLinear weights must be ternary (I2_S, TQ1_0 or TQ2_0)");
  if (t.cols() != k || t.rows() != m || t.ne[2] != 1 || t.ne[3] != 1)
    throw error("tensor " + name + " has shape [" + std::to_string(t.ne[0]) + ", " + std::to_string(t.ne[1]) +
                "], expected [" + std::to_string(k) + ", " + std::to_string(m) + "]");
  if (t.type == ggml_type::i2_s) {
    bitlinear b;
    b.m_ = m;
    b.k_ = k;
    b.kind_ = kind;
    b.i2s_ = tritlut::i2s_matrix::from_file(t.data, static_cast<std::size_t>(t.nbytes), m, k);
    if (kind == kernel_kind::i2s) {
      b.bind();
      return b;
    }
#if TRITLUT_EX_HAVE_TL
    // Repack straight from the I2_S bytes; the mapped file pages are then no longer read.
    if (kind == kernel_kind::tl1) b.tl1_ = tritlut::tl1_matrix::from_i2s(b.i2s_.view());
    if (kind == kernel_kind::tl2) b.tl2_ = tritlut::tl2_matrix::from_i2s(b.i2s_.view());
    b.align_ = kind == kernel_kind::tl1 ? b.tl1_.view().mr : b.tl2_.view().mr;
    b.i2s_ = tritlut::i2s_matrix();
    b.bind();
    return b;
#endif
  }
  const ternary_tensor tt = load_ternary(t);
  return from_ternary(tt.w.data(), m, k, tt.alpha, kind);
}

bitlinear bitlinear::from_ternary(const std::int8_t* w, std::size_t m, std::size_t k, float alpha, kernel_kind kind) {
  if (!kernel_available(kind)) throw error(std::string("kernel ") + to_string(kind) + " is not available in this build");
  bitlinear b;
  b.m_ = m;
  b.k_ = k;
  b.kind_ = kind;
  switch (kind) {
    case kernel_kind::i2s: b.i2s_ = tritlut::i2s_matrix::pack(w, m, k, alpha); break;
#if TRITLUT_EX_HAVE_TL
    case kernel_kind::tl1:
      b.tl1_ = tritlut::tl1_matrix::pack(w, m, k, alpha);
      b.align_ = b.tl1_.view().mr;
      break;
    case kernel_kind::tl2:
      b.tl2_ = tritlut::tl2_matrix::pack(w, m, k, alpha);
      b.align_ = b.tl2_.view().mr;
      break;
#endif
    default: throw error("unsupported kernel");
  }
  b.bind();
  return b;
}

void bitlinear::bind() {
  i2s_v_ = i2s_.view();
#if TRITLUT_EX_HAVE_TL
  tl1_v_ = tl1_.view();
  tl2_v_ = tl2_.view();
#endif
}

namespace {
constexpr std::size_t piece(std::size_t bytes) { return tritlut::round_up(bytes, 64); }

// Copies n bytes from src to dst and returns the copy; dst moves on by piece(n).
template <class T>
const T* place(std::uint8_t*& dst, const T* src, std::size_t n) {
  T* out = reinterpret_cast<T*>(dst);
  if (n) std::memcpy(dst, src, n);
  dst += piece(n);
  return out;
}
}  // namespace

// The arrays run() reads, each as f(the view's pointer to it, its bytes).
template <class Self, class F>
void bitlinear::each_array(Self& self, F&& f) {
  switch (self.kind_) {
    case kernel_kind::i2s: f(self.i2s_v_.data, self.i2s_v_.m * self.i2s_v_.kp / 4); break;
#if TRITLUT_EX_HAVE_TL
    case kernel_kind::tl1: f(self.tl1_v_.idx, self.tl1_v_.tiles * self.tl1_v_.mr * self.tl1_v_.cols); break;
    case kernel_kind::tl2: {
      auto& v = self.tl2_v_;
      const std::size_t rows = v.tiles * v.mr;
      f(v.idx, rows * v.cols3);
      f(v.sign, rows * v.groups);
      f(v.tail, rows * v.colst);
      f(v.neg, rows * sizeof(std::int32_t));
      break;
    }
#endif
    default: break;
  }
}

std::size_t bitlinear::arena_bytes(bool with_mapped) const {
  // Whether there is anything to move follows from the owners: they are empty once moved.
  bool owned = false;
  switch (kind_) {
    case kernel_kind::i2s: owned = i2s_.view().data && (i2s_.owns_data() || with_mapped); break;
#if TRITLUT_EX_HAVE_TL
    case kernel_kind::tl1: owned = tl1_.view().idx != nullptr; break;
    case kernel_kind::tl2: owned = tl2_.view().idx != nullptr; break;
#endif
    default: break;
  }
  std::size_t total = 0;
  if (owned) each_array(*this, [&](const auto*, std::size_t n) { total += piece(n); });
  return total;
}

void bitlinear::move_to(std::uint8_t* dst, bool with_mapped) {
  if (arena_bytes(with_mapped) == 0) return;
  each_array(*this, [&](auto& p, std::size_t n) { p = place(dst, p, n); });
  i2s_ = tritlut::i2s_matrix();
#if TRITLUT_EX_HAVE_TL
  tl1_ = tritlut::tl1_matrix();
  tl2_ = tritlut::tl2_matrix();
#endif
}

std::size_t bitlinear::weight_bytes() const {
  switch (kind_) {
    case kernel_kind::i2s: return i2s_v_.m * i2s_v_.kp / 4;
#if TRITLUT_EX_HAVE_TL
    case kernel_kind::tl1: return tl1_v_.tiles * tl1_v_.mr * tl1_v_.cols;
    case kernel_kind::tl2: return tl2_v_.tiles * tl2_v_.mr * (tl2_v_.cols3 + tl2_v_.groups + tl2_v_.colst);
#endif
    default: return 0;
  }
}

void bitlinear::run(const bitlinear_input& x, float* y, std::size_t ldy, std::size_t r0, std::size_t r1) const {
  if (r0 >= r1) return;
  if (x.kind() != kind_)
    throw error(std::string("bitlinear: input prepared for ") + to_string(x.kind()) + ", weights are " + to_string(kind_));
  switch (kind_) {
    case kernel_kind::i2s: tritlut::gemm(i2s_v_, x.q8().view(), y, ldy, r0, r1); break;
#if TRITLUT_EX_HAVE_TL
    case kernel_kind::tl1: tritlut::gemm(tl1_v_, x.lut().view(), y, ldy, r0, r1); break;
    case kernel_kind::tl2: tritlut::gemm(tl2_v_, x.lut().view(), y, ldy, r0, r1); break;
#endif
    default: throw error("unsupported kernel");
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

}  // namespace tritlut::ex
