// SPDX-License-Identifier: MIT
// tritlut-bench main: prints the CPU's ISAs (available and not), registers every case, runs.
#include <cstdio>

#include "bench_util.hpp"

int main(int argc, char** argv) {
  const auto avail = tritlut::available_isas();
  std::fprintf(stderr, "tritlut %s: ISAs compiled in this binary:", TRITLUT_VERSION_STRING);
  for (auto id : tritlut::compiled_isas()) {
    bool ok = false;
    for (auto a : avail) ok = ok || a == id;
    std::fprintf(stderr, " %s%s", tritlut::isa_name(id).data(), ok ? "" : " (not available on this CPU)");
  }
  std::fprintf(stderr, "\n");
  // The ceilings first, on an idle machine: every kernel case reports a fraction of them.
  const auto& c = bench::machine_ceilings();
  std::fprintf(stderr,
               "read bandwidth (GB/s): dram 1 GiB %.1f (1 thread) / %.1f (%u threads); cache 8 MiB %.1f / %.1f; "
               "LLC %zu MiB\n",
               c.dram_1t / 1e9, c.dram_nt / 1e9, c.threads, c.cache_1t / 1e9, c.cache_nt / 1e9, c.llc >> 20);
  bench::register_ceiling_benchmarks();
  bench::register_kernel_benchmarks();
  bench::register_tl_benchmarks();
  bench::register_group_benchmarks();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
