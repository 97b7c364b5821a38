// SPDX-License-Identifier: MIT
// The kernel suite: I2_S, TL1 and TL2 GEMV / GEMM per ISA, shape, batch, thread count and memory regime.
//
// Case names: <format>/<M>x<K>/b<batch>/t<threads>/<regime>/<isa>, regime =
//   llc   one matrix that fits the last-level cache: resident after the first pass
//   mem   one matrix larger than the last-level cache
//   dram  distinct copies in rotation (>= 4x the LLC and >= 1 GiB in total): the regime decoding lives in
// Activations are pre-quantized and the TL lookup table is built before the timed loop (it is built
// once per token and shared by every matrix with that input; bench_tl.cpp times it separately), so a
// case times the kernel. Every case checks its last output against the scalar tier's I2_S result
// outside the timed loop. Counters: weights/s, wbytes/s (packed weight bytes), MAC/s (batches), and
// roofline = wbytes/s as a fraction of the measured read ceiling of the same regime (bench_ceiling.cpp).
//
// Coverage (what scripts/bench.sh can run in minutes on 2 cores):
//   every ISA:        2B4T shapes, batch 1, 1 thread, llc
//   best ISA + avx2:  every shape x batch {1, 4, 16, 64} x {1, N threads}; GEMV in DRAM rotation at 1..N threads
#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <numeric>
#include <random>
#include <tuple>

#include "bench_util.hpp"

namespace {

enum class fmt { i2s, tl1, tl2 };
const char* fmt_name(fmt f) { return f == fmt::i2s ? "i2s" : f == fmt::tl1 ? "tl1" : "tl2"; }

// Copies `bytes` bytes of `src` into the arena at `off` (64-byte aligned) and returns the copy.
template <class T>
const T* place(tritlut::aligned_buffer<std::uint8_t>& arena, std::size_t& off, const T* src, std::size_t count) {
  T* dst = reinterpret_cast<T*>(arena.data() + off);
  if (count) std::memcpy(dst, src, count * sizeof(T));
  off += tritlut::round_up(count * sizeof(T), 64);
  return dst;
}

// One problem: the base matrices plus `copies` distinct copies of the tested format's bytes
// (plain views into one arena), and pre-quantized activations.
struct problem {
  std::size_t m = 0, k = 0, n = 0;
  fmt f = fmt::i2s;
  std::vector<std::uint8_t> file;  // I2_S file bytes of the base matrix
  tritlut::i2s_matrix i2s;         // view of `file`
  tritlut::tl1_matrix t1;
  tritlut::tl2_matrix t2;
  tritlut::aligned_buffer<std::uint8_t> arena;
  std::vector<tritlut::i2s_view> v_i2s;
  std::vector<tritlut::tl1_view> v_t1;
  std::vector<tritlut::tl2_view> v_t2;
  std::size_t packed = 0;  // bytes a kernel streams per pass
  tritlut::act_q8 x;
  std::vector<float> y;
};

std::size_t tl2_bytes(const tritlut::tl2_view& v) {
  const std::size_t rows = v.tiles * v.mr;
  return tritlut::round_up(rows * v.cols3, 64) + tritlut::round_up(rows * v.groups, 64) +
         tritlut::round_up(rows * v.colst, 64) + tritlut::round_up(rows * 4, 64);
}

std::unique_ptr<problem> make(fmt f, std::size_t m, std::size_t k, std::size_t n, bool dram) {
  auto p = std::make_unique<problem>();
  p->m = m;
  p->k = k;
  p->n = n;
  p->f = f;
  const auto w = bench::random_ternary(m * k, m * 7 + k);
  p->file.resize(tritlut::i2s_file_bytes(m, k));
  tritlut::i2s_pack_file(w.data(), m, k, 1.0f, p->file.data());
  p->i2s = tritlut::i2s_matrix::from_file(p->file.data(), p->file.size(), m, k);
  std::size_t per_copy = 0;
  if (f == fmt::i2s) {
    p->packed = p->i2s.packed_bytes();
    per_copy = tritlut::round_up(p->packed, 64);
  } else if (f == fmt::tl1) {
    p->t1 = tritlut::tl1_matrix::from_i2s(p->i2s.view());
    p->packed = p->t1.packed_bytes();
    per_copy = tritlut::round_up(p->packed, 64);
  } else {
    p->t2 = tritlut::tl2_matrix::from_i2s(p->i2s.view());
    p->packed = p->t2.packed_bytes();
    per_copy = tl2_bytes(p->t2.view());
  }
  const std::size_t copies = dram ? bench::dram_copies(per_copy) : 1;
  p->arena = tritlut::aligned_buffer<std::uint8_t>(per_copy * copies);
  std::size_t off = 0;
  for (std::size_t c = 0; c < copies; ++c) {
    if (f == fmt::i2s) {
      tritlut::i2s_view v = p->i2s.view();
      v.data = place(p->arena, off, v.data, p->packed);
      p->v_i2s.push_back(v);
    } else if (f == fmt::tl1) {
      tritlut::tl1_view v = p->t1.view();
      v.idx = place(p->arena, off, v.idx, v.tiles * v.mr * v.cols);
      p->v_t1.push_back(v);
    } else {
      tritlut::tl2_view v = p->t2.view();
      const std::size_t rows = v.tiles * v.mr;
      v.idx = place(p->arena, off, v.idx, rows * v.cols3);
      v.sign = place(p->arena, off, v.sign, rows * v.groups);
      v.tail = place(p->arena, off, v.tail, rows * v.colst);
      v.neg = place(p->arena, off, v.neg, rows);
      p->v_t2.push_back(v);
    }
  }
  const auto x = bench::random_floats(n * k, k);
  tritlut::quantize(x.data(), n, k, k, p->x);
  p->y.resize(n * m);
  return p;
}

// Built on first use; one DRAM rotation (>= 1 GiB) alive at a time.
problem& problem_for(fmt f, std::size_t m, std::size_t k, std::size_t n, bool dram) {
  static std::map<std::tuple<int, std::size_t, std::size_t, std::size_t>, std::unique_ptr<problem>> cache;
  static std::unique_ptr<problem> rotation;
  if (dram) {
    if (!rotation || rotation->f != f || rotation->m != m || rotation->k != k || rotation->n != n) {
      rotation.reset();
      rotation = make(f, m, k, n, true);
    }
    return *rotation;
  }
  auto& p = cache[{int(f), m, k, n}];
  if (!p) p = make(f, m, k, n, false);
  return *p;
}

void run(benchmark::State& st, fmt f, std::size_t m, std::size_t k, std::size_t n, unsigned threads, bool dram) {
  problem& p = problem_for(f, m, k, n, dram);
  std::unique_ptr<tritlut::thread_pool> pool;
  if (threads > 1) pool = std::make_unique<tritlut::thread_pool>(threads);
  tritlut::tl1_lut lut1;
  tritlut::tl2_lut lut2;
  if (f == fmt::tl1) lut1.build(p.x.view());
  if (f == fmt::tl2) lut2.build(p.x.view());
  const std::size_t copies = f == fmt::i2s ? p.v_i2s.size() : f == fmt::tl1 ? p.v_t1.size() : p.v_t2.size();
  // Copies in a fixed shuffled order: in address order, a kernel's prefetch past the end of one
  // copy would warm the start of the next call's (a model's next matrix is elsewhere).
  std::vector<std::size_t> order(copies);
  std::iota(order.begin(), order.end(), std::size_t(0));
  std::mt19937 rng(5);
  std::shuffle(order.begin(), order.end(), rng);
  std::size_t ci = 0, c = order[0];
  auto call = [&](const auto& w, const auto& act) {
    if (pool) tritlut::gemm(*pool, w, act, p.y.data(), m);
    else tritlut::gemm(w, act, p.y.data(), m);
  };
  for (auto _ : st) {
    if (f == fmt::i2s) call(p.v_i2s[c], p.x.view());
    else if (f == fmt::tl1) call(p.v_t1[c], lut1.view());
    else call(p.v_t2[c], lut2.view());
    if (++ci == copies) ci = 0;
    c = order[ci];
    benchmark::ClobberMemory();
  }
  bench::set_kernel_counters(st, m, k, n, p.packed);
  st.counters["rotation_bytes"] = double(p.packed) * double(copies);  // what the rotation streams
  const bool fits = !dram && p.packed <= bench::llc_bytes();
  bench::set_roofline(st, p.packed, !fits, threads);
  // Outside the timed loop: equal to the scalar tier's I2_S output, bit for bit (copies are identical).
  std::vector<float> ref(n * m);
  {
    tritlut::scoped_isa scalar(tritlut::isa_id::scalar);
    tritlut::gemm(p.i2s.view(), p.x.view(), ref.data(), m);
  }
  if (std::memcmp(ref.data(), p.y.data(), ref.size() * sizeof(float)) != 0) st.SkipWithError("differs from scalar I2_S");
}

void add(tritlut::isa_id isa, fmt f, const bench::shape& s, std::size_t n, unsigned threads, bool dram) {
  const std::size_t bytes = s.m * s.k / 4;
  const char* regime = dram ? "dram" : (bytes <= bench::llc_bytes() ? "llc" : "mem");
  const std::string name = std::string(fmt_name(f)) + "/" + std::to_string(s.m) + "x" + std::to_string(s.k) + "/b" +
                           std::to_string(n) + "/t" + std::to_string(threads) + "/" + regime;
  const std::size_t m = s.m, k = s.k;
  bench::register_per_isa(name, isa, [=](benchmark::State& st) { run(st, f, m, k, n, threads, dram); })
      ->Unit(benchmark::kMicrosecond)
      ->UseRealTime();
}

}  // namespace

namespace bench {

void register_kernel_benchmarks() {
  const auto isas = tritlut::available_isas();
  const tritlut::isa_id best = isas.back();
  const unsigned nt = tritlut::thread_pool::default_threads();
  for (auto isa : isas) {
    const bool deep = isa == best || isa == tritlut::isa_id::avx2;
    for (const auto& s : deep ? all_shapes() : shapes_2b4t()) {
      for (fmt f : {fmt::i2s, fmt::tl1, fmt::tl2}) {
        for (std::size_t n : {1, 4, 16, 64}) {
          if (!deep && n != 1) continue;
          add(isa, f, s, n, 1, false);
          if (deep && nt > 1) add(isa, f, s, n, nt, false);
        }
        if (deep)
          for (unsigned t : thread_counts()) add(isa, f, s, 1, t, true);
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
