// SPDX-License-Identifier: MIT
// Group-scaled I2_S (i2s_group_matrix) GEMV / GEMM on Ternary-Bonsai shapes, beside per-tensor
// I2_S on the same weights (the cost of the group scales per weight).
//
// Case names: group/<M>x<K>/g<G>/b<batch>/t<threads>/<regime>/<isa>, G = 0 is per-tensor I2_S on
// the same ternary values, g<G>a the same matrix with per-group activation scales (act_group_q8); regime as in bench_kernels.cpp (llc, mem, dram = distinct copies in
// rotation). Activations are pre-quantized. wbytes/s counts the codes plus the f32 scales (4 bytes
// per group and row). Every case checks its last output against the scalar tier, bit for bit,
// outside the timed loop.
//
// Coverage: every ISA: Bonsai-1.7B shapes, G 64 and 128, batch 1, 1 thread; best ISA + avx2:
// batch {1, 16, 64} x {1, N threads} (g<G>a: 1 thread) and GEMV in DRAM rotation at 1..N threads.
#include <cstring>
#include <map>
#include <memory>
#include <numeric>
#include <tuple>

#include "bench_util.hpp"

namespace {

// Ternary-Bonsai 1.7B (Qwen3: hidden 2048, 16 / 8 heads of 128, FFN 6144): q/o, k/v, gate/up, down.
const std::vector<bench::shape>& shapes_bonsai() {
  static const std::vector<bench::shape> s = {{2048, 2048, "Bonsai-1.7B q/o"},
                                              {1024, 2048, "Bonsai-1.7B k/v"},
                                              {6144, 2048, "Bonsai-1.7B gate/up"},
                                              {2048, 6144, "Bonsai-1.7B down"}};
  return s;
}

struct gproblem {
  std::size_t m = 0, k = 0, g = 0, n = 0;
  bool ga = false;
  tritlut::i2s_group_matrix base;  // G > 0
  tritlut::i2s_matrix i2s;         // G == 0
  tritlut::aligned_buffer<std::uint8_t> arena;
  std::vector<tritlut::i2s_group_view> vg;
  std::vector<tritlut::i2s_view> vi;
  std::size_t packed = 0;
  tritlut::act_q8 x;
  tritlut::act_group_q8 xg;  // ga
  std::vector<float> y;
};

std::unique_ptr<gproblem> make(std::size_t m, std::size_t k, std::size_t g, bool ga, std::size_t n, bool dram) {
  auto p = std::make_unique<gproblem>();
  p->ga = ga;
  p->m = m;
  p->k = k;
  p->g = g;
  p->n = n;
  const auto w = bench::random_ternary(m * k, m * 7 + k);
  std::size_t code_bytes = 0, scale_bytes = 0;
  if (g) {
    std::mt19937_64 rng(g);
    std::uniform_real_distribution<float> ds(0.01f, 0.1f);
    std::vector<float> d(m * (k / g));
    for (auto& v : d) v = ds(rng);
    p->base = tritlut::i2s_group_matrix::pack(w.data(), m, k, g, d.data());
    p->packed = p->base.packed_bytes();
    code_bytes = m * p->base.view().kp / 4;
    scale_bytes = m * (k / g) * sizeof(float);
  } else {
    p->i2s = tritlut::i2s_matrix::pack(w.data(), m, k, 0.05f);
    p->packed = code_bytes = p->i2s.packed_bytes();
  }
  const std::size_t per_copy = tritlut::round_up(code_bytes, 64) + tritlut::round_up(scale_bytes, 64);
  const std::size_t copies = dram ? bench::dram_copies(per_copy) : 1;
  p->arena = tritlut::aligned_buffer<std::uint8_t>(per_copy * copies);
  for (std::size_t c = 0; c < copies; ++c) {
    std::uint8_t* at = p->arena.data() + c * per_copy;
    if (g) {
      tritlut::i2s_group_view v = p->base.view();
      std::memcpy(at, v.data, code_bytes);
      std::memcpy(at + tritlut::round_up(code_bytes, 64), v.scale, scale_bytes);
      v.data = at;
      v.scale = reinterpret_cast<const float*>(at + tritlut::round_up(code_bytes, 64));
      p->vg.push_back(v);
    } else {
      tritlut::i2s_view v = p->i2s.view();
      std::memcpy(at, v.data, code_bytes);
      v.data = at;
      p->vi.push_back(v);
    }
  }
  const auto x = bench::random_floats(n * k, k);
  tritlut::quantize(x.data(), n, k, k, p->x);
  if (ga) tritlut::quantize_groups(x.data(), n, k, k, g, p->xg);
  p->y.resize(n * m);
  return p;
}

gproblem& problem_for(std::size_t m, std::size_t k, std::size_t g, bool ga, std::size_t n, bool dram) {
  static std::map<std::tuple<std::size_t, std::size_t, std::size_t, bool, std::size_t>, std::unique_ptr<gproblem>> cache;
  static std::unique_ptr<gproblem> rotation;  // one DRAM rotation (>= 1 GiB) alive at a time
  if (dram) {
    if (!rotation || rotation->m != m || rotation->k != k || rotation->g != g || rotation->ga != ga ||
        rotation->n != n) {
      rotation.reset();
      rotation = make(m, k, g, ga, n, true);
    }
    return *rotation;
  }
  auto& p = cache[{m, k, g, ga, n}];
  if (!p) p = make(m, k, g, ga, n, false);
  return *p;
}

void run(benchmark::State& st, std::size_t m, std::size_t k, std::size_t g, bool ga, std::size_t n, unsigned threads,
         bool dram) {
  gproblem& p = problem_for(m, k, g, ga, n, dram);
  std::unique_ptr<tritlut::thread_pool> pool;
  if (threads > 1) pool = std::make_unique<tritlut::thread_pool>(threads);
  const std::size_t copies = g ? p.vg.size() : p.vi.size();
  // Copies in a fixed shuffled order (as bench_kernels.cpp: no prefetch into the next call's copy).
  std::vector<std::size_t> order(copies);
  std::iota(order.begin(), order.end(), std::size_t(0));
  std::mt19937 rng(5);
  std::shuffle(order.begin(), order.end(), rng);
  std::size_t ci = 0, c = order[0];
  auto call = [&](const auto& w) {
    if (pool) tritlut::gemm(*pool, w, p.x.view(), p.y.data(), m);
    else tritlut::gemm(w, p.x.view(), p.y.data(), m);
  };
  auto call_ga = [&](const tritlut::i2s_group_view& w) {
    if (pool) tritlut::gemm(*pool, w, p.xg.view(), p.y.data(), m);
    else tritlut::gemm(w, p.xg.view(), p.y.data(), m);
  };
  for (auto _ : st) {
    if (ga) call_ga(p.vg[c]);
    else if (g) call(p.vg[c]);
    else call(p.vi[c]);
    if (++ci == copies) ci = 0;
    c = order[ci];
    benchmark::ClobberMemory();
  }
  bench::set_kernel_counters(st, m, k, n, p.packed);
  st.counters["rotation_bytes"] = double(p.packed) * double(copies);
  bench::set_roofline(st, p.packed, dram || p.packed > bench::llc_bytes(), threads);
  std::vector<float> ref(n * m);
  {
    tritlut::scoped_isa scalar(tritlut::isa_id::scalar);
    if (ga) tritlut::gemm(p.base.view(), p.xg.view(), ref.data(), m);
    else if (g) tritlut::gemm(p.base.view(), p.x.view(), ref.data(), m);
    else tritlut::gemm(p.i2s.view(), p.x.view(), ref.data(), m);
  }
  if (std::memcmp(ref.data(), p.y.data(), ref.size() * sizeof(float)) != 0) st.SkipWithError("differs from scalar");
}

void add(tritlut::isa_id isa, const bench::shape& s, std::size_t g, bool ga, std::size_t n, unsigned threads,
         bool dram) {
  const std::size_t bytes = s.m * s.k / 4;
  const char* regime = dram ? "dram" : (bytes <= bench::llc_bytes() ? "llc" : "mem");
  const std::string name = "group/" + std::to_string(s.m) + "x" + std::to_string(s.k) + "/g" + std::to_string(g) +
                           (ga ? "a" : "") + "/b" + std::to_string(n) + "/t" + std::to_string(threads) + "/" + regime;
  const std::size_t m = s.m, k = s.k;
  bench::register_per_isa(name, isa, [=](benchmark::State& st) { run(st, m, k, g, ga, n, threads, dram); })
      ->Unit(benchmark::kMicrosecond)
      ->UseRealTime();
}

}  // namespace

namespace bench {

void register_group_benchmarks() {
  const auto isas = tritlut::available_isas();
  const tritlut::isa_id best = isas.back();
  const unsigned nt = tritlut::thread_pool::default_threads();
  for (auto isa : isas) {
    const bool deep = isa == best || isa == tritlut::isa_id::avx2;
    for (const auto& s : shapes_bonsai())
      for (std::size_t g : {0, 64, 128}) {
        for (std::size_t n : {1, 16, 64}) {
          if (!deep && n != 1) continue;
          add(isa, s, g, false, n, 1, false);
          if (deep && nt > 1) add(isa, s, g, false, n, nt, false);
          if (deep && g) add(isa, s, g, true, n, 1, false);
        }
        if (deep)
          for (unsigned t : thread_counts()) add(isa, s, g, false, 1, t, true);
      }
  }
}

}  // namespace bench
