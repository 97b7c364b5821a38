// SPDX-License-Identifier: MIT
// I2_S GEMV / GEMM and the activation quantizer, per ISA.
//
// Case names: i2s/<M>x<K>/b<batch>/t<threads>/<regime>/<isa>, regime = "llc" (one matrix, resident in
// the last-level cache after the first pass), "mem" (one matrix larger than the LLC) or "dram"
// (distinct copies in rotation, 4x the LLC and >= 1 GiB in total: the regime decoding lives in).
// Activations are pre-quantized (like bitnet.cpp's kernel benchmark): the case times the kernel.
// Every case checks its result against the scalar tier outside the timed loop.
//
// Coverage (kept to what scripts/bench.sh can run in minutes on 2 cores):
//   every ISA:       2B4T shapes, batch 1, 1 thread, llc
//   best ISA + avx2: every shape x batch {1, 4, 16, 64} x {1, N threads}; GEMV in DRAM rotation at 1..N threads
#include <cstring>
#include <map>
#include <memory>
#include <tuple>

#include "bench_util.hpp"

namespace {

// One I2_S problem: `copies` distinct file-layout matrices (zero-copy views into one buffer).
struct i2s_problem {
  std::size_t m = 0, k = 0, n = 0;
  tritlut::aligned_buffer<std::uint8_t> bytes;  // [copies][i2s_file_bytes(m, k)]
  std::vector<tritlut::i2s_matrix> mats;        // views into bytes
  tritlut::act_q8 x;
  std::vector<float> y;
};

std::unique_ptr<i2s_problem> make(std::size_t m, std::size_t k, std::size_t n, std::size_t copies) {
  auto p = std::make_unique<i2s_problem>();
  p->m = m;
  p->k = k;
  p->n = n;
  const std::size_t fb = tritlut::i2s_file_bytes(m, k);
  const std::size_t stride = tritlut::round_up(fb, 4096);
  p->bytes = tritlut::aligned_buffer<std::uint8_t>(stride * copies);
  const auto w = bench::random_ternary(m * k, m * 7 + k);
  tritlut::i2s_pack_file(w.data(), m, k, 1.0f, p->bytes.data());
  for (std::size_t c = 0; c < copies; ++c) {
    if (c) std::memcpy(p->bytes.data() + c * stride, p->bytes.data(), fb);
    p->mats.push_back(tritlut::i2s_matrix::from_file(p->bytes.data() + c * stride, fb, m, k));
  }
  const auto x = bench::random_floats(n * k, k);
  tritlut::quantize(x.data(), n, k, k, p->x);
  p->y.resize(n * m);
  return p;
}

// Problems are built on first use; only one DRAM rotation (>= 1 GiB) is kept alive at a time.
i2s_problem& problem_for(std::size_t m, std::size_t k, std::size_t n, bool dram) {
  static std::map<std::tuple<std::size_t, std::size_t, std::size_t>, std::unique_ptr<i2s_problem>> cache;
  static std::unique_ptr<i2s_problem> rotation;
  if (dram) {
    if (!rotation || rotation->m != m || rotation->k != k || rotation->n != n) {
      rotation.reset();
      rotation = make(m, k, n, bench::dram_copies(tritlut::i2s_file_bytes(m, k)));
    }
    return *rotation;
  }
  auto& p = cache[{m, k, n}];
  if (!p) p = make(m, k, n, 1);
  return *p;
}

void run(benchmark::State& st, std::size_t m, std::size_t k, std::size_t n, unsigned threads, bool dram) {
  i2s_problem& p = problem_for(m, k, n, dram);
  std::unique_ptr<tritlut::thread_pool> pool;
  if (threads > 1) pool = std::make_unique<tritlut::thread_pool>(threads);
  std::size_t c = 0;
  for (auto _ : st) {
    const tritlut::i2s_view& w = p.mats[c].view();
    if (++c == p.mats.size()) c = 0;
    if (pool) tritlut::gemm(*pool, w, p.x.view(), p.y.data(), m);
    else tritlut::gemm(w, p.x.view(), p.y.data(), m);
    benchmark::ClobberMemory();
  }
  const std::size_t bytes = p.mats[0].packed_bytes();
  bench::set_kernel_counters(st, m, k, n, bytes);
  const bool fits = !dram && bytes <= bench::llc_bytes();
  bench::set_roofline(st, bytes, !fits, threads);
  // Outside the timed loop: the last output must equal the scalar tier's.
  std::vector<float> ref(n * m);
  {
    tritlut::scoped_isa scalar(tritlut::isa_id::scalar);
    tritlut::gemm(p.mats[(c + p.mats.size() - 1) % p.mats.size()].view(), p.x.view(), ref.data(), m);
  }
  if (std::memcmp(ref.data(), p.y.data(), ref.size() * sizeof(float)) != 0) st.SkipWithError("differs from scalar");
}

void add(tritlut::isa_id isa, const bench::shape& s, std::size_t n, unsigned threads, bool dram) {
  const std::size_t bytes = s.m * s.k / 4;
  const char* regime = dram ? "dram" : (bytes <= bench::llc_bytes() ? "llc" : "mem");
  const std::string name = "i2s/" + std::to_string(s.m) + "x" + std::to_string(s.k) + "/b" + std::to_string(n) + "/t" +
                           std::to_string(threads) + "/" + regime;
  const std::size_t m = s.m, k = s.k;
  bench::register_per_isa(name, isa, [=](benchmark::State& st) { run(st, m, k, n, threads, dram); })
      ->Unit(benchmark::kMicrosecond)
      ->UseRealTime();
}

}  // namespace

namespace bench {

void register_i2s_benchmarks() {
  const auto isas = tritlut::available_isas();
  const tritlut::isa_id best = isas.back();
  const unsigned nt = tritlut::thread_pool::default_threads();
  for (auto isa : isas) {
    const bool deep = isa == best || isa == tritlut::isa_id::avx2;
    for (const auto& s : deep ? all_shapes() : shapes_2b4t()) {
      for (std::size_t n : {1, 4, 16, 64}) {
        if (!deep && n != 1) continue;
        add(isa, s, n, 1, false);
        if (deep && nt > 1) add(isa, s, n, nt, false);
      }
      if (deep)
        for (unsigned t : thread_counts()) add(isa, s, 1, t, true);
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
