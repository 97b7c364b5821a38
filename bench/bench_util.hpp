// SPDX-License-Identifier: MIT
// bench/bench_util.hpp - shared pieces of tritlut-bench: problems, shapes, registration per ISA.
#pragma once

#include <benchmark/benchmark.h>

#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include <tritlut/tritlut.hpp>

namespace bench {

struct shape {
  std::size_t m, k;
  const char* what;  // which layer of which model
};

// BitNet b1.58 2B4T per-token shapes (MODELS.md 1.5).
inline const std::vector<shape>& shapes_2b4t() {
  static const std::vector<shape> s = {
      {2560, 2560, "2B4T q/o"}, {640, 2560, "2B4T k/v"}, {6912, 2560, "2B4T gate/up"}, {2560, 6912, "2B4T down"}};
  return s;
}

inline std::vector<std::int8_t> random_ternary(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::int8_t> w(n);
  for (auto& v : w) v = static_cast<std::int8_t>(static_cast<int>(rng() % 3) - 1);
  return w;
}

inline std::vector<float> random_floats(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> d(0.0f, 1.0f);
  std::vector<float> x(n);
  for (auto& v : x) v = d(rng);
  return x;
}

// Registers `fn` once per available ISA as "<name>/<isa>"; fn runs under scoped_isa(isa).
inline benchmark::internal::Benchmark* register_per_isa(
    const std::string& name, tritlut::isa_id isa, std::function<void(benchmark::State&)> fn) {
  return benchmark::RegisterBenchmark((name + "/" + std::string(tritlut::isa_name(isa))).c_str(),
                                      [isa, fn](benchmark::State& st) {
                                        tritlut::scoped_isa pin(isa);
                                        st.SetLabel(std::string(tritlut::isa_name(isa)));
                                        fn(st);
                                      });
}

// Counters every kernel case reports: weights/s and packed weight bytes/s (per iteration rates),
// and integer multiply-accumulates per second for batches.
inline void set_kernel_counters(benchmark::State& st, std::size_t m, std::size_t k, std::size_t n,
                                std::size_t packed_bytes) {
  using C = benchmark::Counter;
  st.counters["weights/s"] = C(double(m) * double(k), C::kIsIterationInvariantRate, C::OneK::kIs1000);
  st.counters["wbytes/s"] = C(double(packed_bytes), C::kIsIterationInvariantRate, C::OneK::kIs1000);
  if (n > 1) st.counters["MAC/s"] = C(double(m) * double(k) * double(n), C::kIsIterationInvariantRate, C::OneK::kIs1000);
}

// Registration hooks of each bench_*.cpp file, called from main().
void register_i2s_benchmarks();

}  // namespace bench
