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
  bench::register_i2s_benchmarks();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
