// SPDX-License-Identifier: MIT
// TL1 / TL2 GEMV / GEMM per ISA on the BitNet 2B4T and 3B shapes, beside I2_S (bench_i2s.cpp),
// and the per-token LUT construction. Matrices are repacked from I2_S once per case (the load-time
// path); activations are pre-quantized and the LUT is built outside the timed loop (it is built once
// per token and shared by every matrix reading that input), except in the "+lut" cases, which time
// LUT construction + one GEMV together. Registered at static-initialisation time.
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

template <class Matrix>
void run_gemm(benchmark::State& st, tl_problem& p, const Matrix& w, tritlut::tl_kind kind, unsigned threads,
              bool with_lut) {
  std::unique_ptr<tritlut::thread_pool> pool;
  if (threads > 1) pool = std::make_unique<tritlut::thread_pool>(threads);
  tritlut::tl_lut lut(kind, p.x.view());  // built with the ISA under test (scoped_isa is active)
  for (auto _ : st) {
    if (with_lut) lut.build(kind, p.x.view());
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

void register_tl_benchmarks() {
  std::vector<bench::shape> shapes = bench::shapes_2b4t();
  shapes.push_back({3200, 8640, "3B ffn up"});
  shapes.push_back({8640, 3200, "3B ffn down"});
  for (auto isa : tritlut::available_isas()) {
    for (const auto& s : shapes) {
      for (std::size_t n : {1, 8}) {
        const std::size_t m = s.m, k = s.k;
        const std::string dims = std::to_string(s.m) + "x" + std::to_string(s.k) + "/b" + std::to_string(n);
        for (unsigned threads : {1u, 2u}) {
          const std::string tn = "/t" + std::to_string(threads);
          bench::register_per_isa(std::string(n == 1 ? "tl1_gemv/" : "tl1_gemm/") + dims + tn, isa,
                                  [m, k, n, threads](benchmark::State& st) {
                                    auto p = problem_for(m, k, n);
                                    run_gemm(st, *p, p->t1, tritlut::tl_kind::tl1, threads, false);
                                  })
              ->Unit(benchmark::kMicrosecond)
              ->UseRealTime();
          bench::register_per_isa(std::string(n == 1 ? "tl2_gemv/" : "tl2_gemm/") + dims + tn, isa,
                                  [m, k, n, threads](benchmark::State& st) {
                                    auto p = problem_for(m, k, n);
                                    run_gemm(st, *p, p->t2, tritlut::tl_kind::tl2, threads, false);
                                  })
              ->Unit(benchmark::kMicrosecond)
              ->UseRealTime();
        }
        if (n == 1) {
          bench::register_per_isa("tl2_gemv+lut/" + dims + "/t1", isa, [m, k, n](benchmark::State& st) {
            auto p = problem_for(m, k, n);
            run_gemm(st, *p, p->t2, tritlut::tl_kind::tl2, 1, true);
          })->Unit(benchmark::kMicrosecond);
        }
      }
    }
    // LUT construction alone, per token (TL1: 16*K bytes, TL2: ~10.7*K bytes written).
    for (std::size_t k : {2560, 6912, 8640}) {
      for (auto kind : {tritlut::tl_kind::tl1, tritlut::tl_kind::tl2}) {
        bench::register_per_isa(std::string("tl_lut/") + tritlut::tl_kind_name(kind) + "/k" + std::to_string(k), isa,
                                [k, kind](benchmark::State& st) {
                                  const auto x = bench::random_floats(k, 3);
                                  tritlut::act_q8 q;
                                  tritlut::quantize(x.data(), 1, k, k, q);
                                  tritlut::tl_lut lut(kind, q.view());
                                  for (auto _ : st) {
                                    lut.build(kind, q.view());
                                    benchmark::DoNotOptimize(lut.view().data);
                                  }
                                  st.SetBytesProcessed(st.iterations() * std::int64_t(lut.token_bytes()));
                                })
            ->Unit(benchmark::kNanosecond);
      }
    }
  }
}

const bool registered = (register_tl_benchmarks(), true);

}  // namespace
