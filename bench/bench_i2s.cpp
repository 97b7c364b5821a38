// SPDX-License-Identifier: MIT
// I2_S GEMV / GEMM per ISA on the BitNet 2B4T shapes; activation quantization per ISA.
// The matrix is packed once per case; the activations are pre-quantized (like bitnet.cpp's own
// kernel benchmark), so the case times the kernel alone. Results are checked after the loop.
#include <memory>

#include "bench_util.hpp"

namespace {

struct i2s_problem {
  std::size_t m, k, n;
  tritlut::i2s_matrix w;
  tritlut::act_q8 x;
  std::vector<float> y;
};

std::shared_ptr<i2s_problem> make(std::size_t m, std::size_t k, std::size_t n) {
  auto p = std::make_shared<i2s_problem>();
  p->m = m;
  p->k = k;
  p->n = n;
  const auto w = bench::random_ternary(m * k, m * 7 + k);
  p->w = tritlut::i2s_matrix::pack(w.data(), m, k, 1.0f);
  const auto x = bench::random_floats(n * k, k);
  tritlut::quantize(x.data(), n, k, k, p->x);
  p->y.resize(n * m);
  return p;
}

void run_gemm(benchmark::State& st, i2s_problem& p, unsigned threads) {
  std::unique_ptr<tritlut::thread_pool> pool;
  if (threads > 1) pool = std::make_unique<tritlut::thread_pool>(threads);
  for (auto _ : st) {
    if (pool) tritlut::gemm(*pool, p.w.view(), p.x.view(), p.y.data(), p.m);
    else tritlut::gemm(p.w.view(), p.x.view(), p.y.data(), p.m);
    benchmark::ClobberMemory();
  }
  bench::set_kernel_counters(st, p.m, p.k, p.n, p.w.packed_bytes());
  // Sanity outside the timed loop: outputs must be finite.
  for (float v : p.y)
    if (!(v == v)) st.SkipWithError("non-finite output");
}

}  // namespace

namespace bench {

void register_i2s_benchmarks() {
  for (auto isa : tritlut::available_isas()) {
    for (const auto& s : shapes_2b4t()) {
      for (std::size_t n : {1, 8}) {
        auto p = make(s.m, s.k, n);
        for (unsigned threads : {1u, 2u}) {
          const std::string name = std::string(n == 1 ? "i2s_gemv" : "i2s_gemm") + "/" + std::to_string(s.m) + "x" +
                                   std::to_string(s.k) + "/b" + std::to_string(n) + "/t" + std::to_string(threads);
          register_per_isa(name, isa, [p, threads](benchmark::State& st) { run_gemm(st, *p, threads); })
              ->Unit(benchmark::kMicrosecond)
              ->UseRealTime();
        }
      }
    }
    for (std::size_t k : {2560, 6912}) {
      register_per_isa("quantize/k" + std::to_string(k), isa, [k](benchmark::State& st) {
        const auto x = random_floats(k, 1);
        tritlut::act_q8 q;
        for (auto _ : st) {
          tritlut::quantize(x.data(), 1, k, k, q);
          benchmark::DoNotOptimize(q.row(0));
        }
        st.SetBytesProcessed(st.iterations() * std::int64_t(k * sizeof(float)));
      })->Unit(benchmark::kNanosecond);
    }
  }
}

}  // namespace bench
