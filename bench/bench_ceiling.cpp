// SPDX-License-Identifier: MIT
// The machine's own ceilings, measured by the same binary as the kernels: read bandwidth from DRAM
// (a 1 GiB buffer) and from cache (an 8 MiB buffer), with 1 and N threads of tritlut's thread pool.
// main() measures them once before the kernels run; every kernel case then reports its packed-weight
// byte rate as a fraction of the matching ceiling ("roofline" counter). They are also registered as
// benchmarks ("ceiling/...") so they appear in the JSON output.
#include <algorithm>
#include <chrono>
#include <fstream>
#include <string>

#include "bench_util.hpp"
#include "ceiling_kernels.hpp"

namespace bench {

namespace {

// The AVX2 tier's loops where the CPU has AVX2 (the ceilings of the AVX2 kernels), else the plain
// byte sum and no ALU ceilings; not tritlut's active ISA, so TRITLUT_ISA does not move the ceilings.
const ceiling_ops& ceiling_table() {
  static const ceiling_ops& t = []() -> const ceiling_ops& {
    const std::vector<tritlut::isa_id> isas = tritlut::available_isas();
    const bool avx2 = std::find(isas.begin(), isas.end(), tritlut::isa_id::avx2) != isas.end();
    return tritlut::user_table_for_isa<ceiling_ops>(avx2 ? tritlut::isa_id::avx2 : tritlut::isa_id::scalar);
  }();
  return t;
}

std::uint64_t sum_bytes(const std::uint8_t* p, std::size_t n) { return ceiling_table().sum_bytes(p, n); }

// One pass over buf split across the pool; returns seconds.
double timed_pass(tritlut::thread_pool& pool, const std::uint8_t* buf, std::size_t bytes, std::uint64_t& sink) {
  const std::size_t parts = pool.size();
  std::vector<std::uint64_t> sums(parts);
  const auto t0 = std::chrono::steady_clock::now();
  pool.parallel_for(parts, [&](std::size_t i) {
    const auto [a, b] = tritlut::partition_rows(bytes, parts, i, 4096);
    sums[i] = sum_bytes(buf + a, b - a);
  });
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  for (auto v : sums) sink += v;
  return s;
}

// One probe buffer for every measurement, grown on demand: allocating and faulting 1 GiB takes a while.
const std::uint8_t* probe_buffer(std::size_t bytes) {
  static tritlut::aligned_buffer<std::uint8_t> buf;
  if (buf.size() < bytes) {
    buf = tritlut::aligned_buffer<std::uint8_t>(bytes);
    for (std::size_t i = 0; i < bytes; i += 4096) buf[i] = static_cast<std::uint8_t>(i >> 12);  // fault pages in
  }
  return buf.data();
}

}  // namespace

std::size_t llc_bytes() {
  static const std::size_t v = [] {
    std::size_t best = 0;
    for (int idx = 0; idx < 8; ++idx) {
      std::ifstream f("/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(idx) + "/size");
      std::string s;
      if (!(f >> s) || s.empty()) continue;
      std::size_t mul = 1;
      if (s.back() == 'K') mul = 1024;
      if (s.back() == 'M') mul = 1024 * 1024;
      best = std::max<std::size_t>(best, std::stoull(s) * mul);
    }
    return best ? best : std::size_t(32) << 20;  // unknown: assume 32 MiB
  }();
  return v;
}

double measure_read_bandwidth(std::size_t bytes, unsigned threads, int passes) {
  const std::uint8_t* buf = probe_buffer(bytes);
  tritlut::thread_pool pool(threads);
  std::uint64_t sink = 0;
  double best = 1e30;
  timed_pass(pool, buf, bytes, sink);  // warm-up (and cache fill for the small buffer)
  for (int i = 0; i < passes; ++i) best = std::min(best, timed_pass(pool, buf, bytes, sink));
  benchmark::DoNotOptimize(sink);
  return double(bytes) / best;
}

const ceilings& machine_ceilings() {
  static const ceilings c = [] {
    ceilings r;
    r.threads = tritlut::thread_pool::default_threads();
    r.llc = llc_bytes();
    r.dram_1t = measure_read_bandwidth(dram_probe_bytes, 1, 3);
    r.dram_nt = measure_read_bandwidth(dram_probe_bytes, r.threads, 3);
    r.cache_1t = measure_read_bandwidth(cache_probe_bytes, 1, 50);
    r.cache_nt = measure_read_bandwidth(cache_probe_bytes, r.threads, 50);
    return r;
  }();
  return c;
}

double ceilings::read_bw(bool dram, unsigned t) const {
  const bool multi = t > 1;
  return dram ? (multi ? dram_nt : dram_1t) : (multi ? cache_nt : cache_1t);
}

void set_roofline(benchmark::State& st, std::size_t bytes_per_iter, bool dram, unsigned threads) {
  using C = benchmark::Counter;
  // (bytes * iterations / seconds) / ceiling = fraction of the measured read bandwidth.
  st.counters["roofline"] = C(double(bytes_per_iter) / machine_ceilings().read_bw(dram, threads),
                              C::kIsIterationInvariantRate);
}

void register_ceiling_benchmarks() {
  for (bool dram : {false, true})
    for (unsigned t : {1u, tritlut::thread_pool::default_threads()}) {
      if (t == 1 && tritlut::thread_pool::default_threads() == 1 && !dram) continue;
      const std::size_t bytes = dram ? dram_probe_bytes : cache_probe_bytes;
      const std::string name = std::string("ceiling/read_") + (dram ? "dram_1GiB" : "cache_8MiB") + "/t" + std::to_string(t);
      benchmark::RegisterBenchmark(name.c_str(), [bytes, t](benchmark::State& st) {
        const std::uint8_t* buf = probe_buffer(bytes);
        tritlut::thread_pool pool(t);
        std::uint64_t sink = 0;
        for (auto _ : st) timed_pass(pool, buf, bytes, sink);
        benchmark::DoNotOptimize(sink);
        st.SetBytesProcessed(st.iterations() * std::int64_t(bytes));
      })->UseRealTime()->Unit(benchmark::kMillisecond);
    }
  // The vector ALU ceilings of the AVX2 kernels (ceiling_kernels.hpp), one thread.
  if (const ceiling_ops& ops = ceiling_table(); ops.alu_vpaddw) {
    // loop(iters) returns how many units (uops or MACs) it executed; reported as a rate.
    auto alu = [](const char* name, const char* counter, std::uint64_t (*loop)(std::uint64_t)) {
      benchmark::RegisterBenchmark(name, [counter, loop](benchmark::State& st) {
        std::uint64_t units = 0;
        for (auto _ : st) units += loop(1u << 20);
        st.counters[counter] = benchmark::Counter(double(units), benchmark::Counter::kIsRate);
      })->UseRealTime()->Unit(benchmark::kMicrosecond);
    };
    alu("ceiling/alu_avx2/vpaddw", "uops/s", ops.alu_vpaddw);
    alu("ceiling/alu_avx2/madd_paddw", "MAC/s", ops.alu_madd_paddw);
  }
}

}  // namespace bench
