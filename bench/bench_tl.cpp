// SPDX-License-Identifier: MIT
// TL1 / TL2 extras beside the kernel suite (bench_kernels.cpp): the per-token LUT construction
// alone, and TL2 GEMV with the LUT built inside the timed loop ("+lut": the cost for a matrix whose
// input no other matrix shares). Matrices are repacked from I2_S once per case (the load-time path).
#include <map>
#include <memory>
#include <tuple>

#include "bench_util.hpp"

namespace {

struct tl_problem {
  std::size_t m, k, n;
  tritlut::i2s_matrix i2s;
  tritlut::tl1_matrix t1;
  tritlut::tl2_matrix t2;
  tritlut::act_q8 x;
  std::vector<float> y;
};

std::shared_ptr<tl_problem> make(std::size_t m, std::size_t k, std::size_t n) {
  auto p = std::make_shared<tl_problem>();
  p->m = m;
  p->k = k;
  p->n = n;
  const auto w = bench::random_ternary(m * k, m * 7 + k);
  p->i2s = tritlut::i2s_matrix::pack(w.data(), m, k, 1.0f);
  p->t1 = tritlut::tl1_matrix::from_i2s(p->i2s.view());
  p->t2 = tritlut::tl2_matrix::from_i2s(p->i2s.view());
  const auto x = bench::random_floats(n * k, k);
  tritlut::quantize(x.data(), n, k, k, p->x);
  p->y.resize(n * m);
  return p;
}

// Problems are built on first use and shared by every ISA and thread count (only the cases a
// --benchmark_filter selects allocate anything).
std::shared_ptr<tl_problem> problem_for(std::size_t m, std::size_t k, std::size_t n) {
  static std::map<std::tuple<std::size_t, std::size_t, std::size_t>, std::shared_ptr<tl_problem>> cache;
  auto& p = cache[{m, k, n}];
  if (!p) p = make(m, k, n);
  return p;
}

template <class Lut, class Matrix>
void run_gemm(benchmark::State& st, tl_problem& p, const Matrix& w, unsigned threads, bool with_lut) {
  std::unique_ptr<tritlut::thread_pool> pool;
  if (threads > 1) pool = std::make_unique<tritlut::thread_pool>(threads);
  Lut lut(p.x.view());  // built with the ISA under test (scoped_isa is active)
  for (auto _ : st) {
    if (with_lut) lut.build(p.x.view());
    if (pool) tritlut::gemm(*pool, w, lut, p.y.data());
    else tritlut::gemm(w, lut, p.y.data());
    benchmark::ClobberMemory();
  }
  bench::set_kernel_counters(st, p.m, p.k, p.n, w.packed_bytes());
  // Outside the timed loop: the result must equal I2_S bit for bit.
  std::vector<float> ref(p.n * p.m);
  tritlut::gemm(p.i2s.view(), p.x.view(), ref.data(), p.m);
  if (std::memcmp(ref.data(), p.y.data(), ref.size() * sizeof(float)) != 0) st.SkipWithError("differs from I2_S");
}

template <class Lut>
void run_lut(benchmark::State& st, std::size_t k) {
  const auto x = bench::random_floats(k, 3);
  tritlut::act_q8 q;
  tritlut::quantize(x.data(), 1, k, k, q);
  Lut lut(q.view());
  for (auto _ : st) {
    lut.build(q.view());
    benchmark::DoNotOptimize(lut.view().data);
  }
  st.SetBytesProcessed(st.iterations() * std::int64_t(lut.token_bytes()));
}

}  // namespace

namespace bench {

// LUT construction per token, and TL2 GEMV with its LUT built inside the timed loop (what one
// matrix with an unshared input costs). The kernels alone are in bench_kernels.cpp.
void register_tl_benchmarks() {
  for (auto isa : tritlut::available_isas()) {
    for (const auto& s : bench::shapes_2b4t()) {
      const std::size_t m = s.m, k = s.k;
      bench::register_per_isa("tl2_gemv+lut/" + std::to_string(m) + "x" + std::to_string(k) + "/b1/t1", isa,
                              [m, k](benchmark::State& st) {
                                auto p = problem_for(m, k, 1);
                                run_gemm<tritlut::tl2_lut>(st, *p, p->t2, 1, true);
                              })
          ->Unit(benchmark::kMicrosecond);
    }
    // LUT construction alone, per token (TL1: 16*K bytes, TL2: ~10.7*K bytes written).
    for (std::size_t k : {2560, 6912, 8640}) {
      for (auto kind : {tritlut::tl_kind::tl1, tritlut::tl_kind::tl2}) {
        bench::register_per_isa(std::string("tl_lut/") + tritlut::tl_kind_name(kind) + "/k" + std::to_string(k), isa,
                                [k, kind](benchmark::State& st) {
                                  if (kind == tritlut::tl_kind::tl1) run_lut<tritlut::tl1_lut>(st, k);
                                  else run_lut<tritlut::tl2_lut>(st, k);
                                })
            ->Unit(benchmark::kNanosecond);
      }
    }
  }
}

}  // namespace bench
