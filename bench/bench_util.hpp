// SPDX-License-Identifier: MIT
// bench/bench_util.hpp - shared pieces of tritlut-bench: problems, shapes, registration per ISA.
#pragma once

#include <benchmark/benchmark.h>

#include <cstdint>
#include <algorithm>
#include <functional>
#include <thread>
#include <random>
#include <string>
#include <vector>

#include <tritlut/tritlut.hpp>

namespace bench {

struct shape {
  std::size_t m, k;
  const char* what;  // which layer of which model
};

// The machine's read-bandwidth ceilings (bench_ceiling.cpp), measured once, before the kernels.
inline constexpr std::size_t dram_probe_bytes = std::size_t(1) << 30;  // 1 GiB: far beyond any cache
inline constexpr std::size_t cache_probe_bytes = std::size_t(8) << 20;  // 8 MiB: cache-resident
struct ceilings {
  unsigned threads = 1;  // N of the N-thread figures
  std::size_t llc = 0;   // last-level cache size from sysfs (bytes)
  double dram_1t = 0, dram_nt = 0, cache_1t = 0, cache_nt = 0;  // bytes/s
  double read_bw(bool dram, unsigned threads) const;
};
const ceilings& machine_ceilings();
std::size_t llc_bytes();
// Adds the "roofline" counter: packed weight bytes/s as a fraction of the matching read ceiling.
void set_roofline(benchmark::State& st, std::size_t bytes_per_iter, bool dram, unsigned threads);

// BitNet b1.58 2B4T per-token shapes (MODELS.md 1.5).
inline const std::vector<shape>& shapes_2b4t() {
  static const std::vector<shape> s = {
      {2560, 2560, "2B4T q/o"}, {640, 2560, "2B4T k/v"}, {6912, 2560, "2B4T gate/up"}, {2560, 6912, "2B4T down"}};
  return s;
}

// Per-token shapes of the paper's models (bitnet.cpp paper; MODELS.md 1.5 and 4).
inline const std::vector<shape>& all_shapes() {
  static const std::vector<shape> s = {
      {2560, 2560, "2B4T q/o"},  {640, 2560, "2B4T k/v"},    {6912, 2560, "2B4T gate/up"},
      {2560, 6912, "2B4T down"}, {3200, 8640, "3B down"},    {8640, 3200, "3B gate/up"},
      {4096, 12032, "7B down"},  {12032, 4096, "7B gate/up"}, {8192, 24576, "70B down"}};
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
void register_kernel_benchmarks();
void register_tl_benchmarks();
void register_group_benchmarks();
void register_ceiling_benchmarks();

// Thread counts for scaling runs: 1, 2, 4, ... up to the CPU count (and the CPU count itself).
inline std::vector<unsigned> thread_counts() {
  std::vector<unsigned> v;
  const unsigned n = std::max(1u, std::thread::hardware_concurrency());
  for (unsigned t = 1; t < n; t *= 2) v.push_back(t);
  v.push_back(n);
  return v;
}

// How many distinct copies of a matrix of `bytes` make a rotation that no cache holds:
// at least 4x the last-level cache and 1 GiB in total (small matrices need thousands of copies).
inline std::size_t dram_copies(std::size_t bytes) {
  const std::size_t target = std::max<std::size_t>(4 * llc_bytes(), std::size_t(1) << 30);
  return std::max<std::size_t>(2, (target + bytes - 1) / bytes);
}

}  // namespace bench
