// SPDX-License-Identifier: MIT
// tests/examples/robustness/test_library.cpp - the library's own contracts (issue 16, section 6), in process:
//   - every owning type is empty after a move and the entry points reject it (no use after free);
//   - every pointer-taking entry point rejects null with a tritlut::error naming the argument;
//   - parallel_for called from inside a parallel_for task runs inline instead of deadlocking;
//   - the out_span overloads of every GEMM/GEMV entry point (I2_S, TL1, TL2; with and without a
//     pool) check the output's size and never write into a buffer that is too small.
// Every kernel-calling case runs on every ISA this CPU has (tt::for_each_isa), as the library tests do.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include <tritlut/tritlut.hpp>

#include "catch.hpp"
#include "support/each_isa.hpp"
#include "support/problems.hpp"

namespace {

using Catch::Contains;

tritlut::act_q8 activations(std::size_t n, std::size_t k, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> d(-2.0f, 2.0f);
  std::vector<float> x(n * k);
  for (auto& v : x) v = d(rng);
  return tritlut::quantize(x.data(), n, k);
}

// The exact integer dots of w (m x k) with every token of x, computed here: [n][m].
std::vector<std::int32_t> oracle(const std::vector<std::int8_t>& w, std::size_t m, std::size_t k,
                                 const tritlut::act_q8& x) {
  std::vector<std::int32_t> out(x.tokens() * m);
  for (std::size_t t = 0; t < x.tokens(); ++t)
    for (std::size_t r = 0; r < m; ++r) {
      std::int64_t s = 0;
      for (std::size_t j = 0; j < k; ++j) s += std::int64_t(w[r * k + j]) * x.row(t)[j];
      out[t * m + r] = static_cast<std::int32_t>(s);
    }
  return out;
}

// y[t * ldy + r] against ((float)dot / act_scale) * alpha (FORMATS.md 2), for rows [r0, r1).
void check_floats(const std::vector<float>& y, std::size_t ldy, std::size_t r0, std::size_t r1,
                  const std::vector<std::int32_t>& dots, std::size_t m, const tritlut::act_q8& x, float alpha) {
  for (std::size_t t = 0; t < x.tokens(); ++t)
    for (std::size_t r = r0; r < r1; ++r) {
      const float expect = (static_cast<float>(dots[t * m + r]) / x.scale(t)) * alpha;
      INFO("token " << t << " row " << r);
      REQUIRE(y[t * ldy + r] == Approx(expect).epsilon(1e-6).margin(1e-6));
    }
}

constexpr float sentinel = -12345.0f;

// Runs fn() on a separate thread and returns its result, or fails (without blocking) if it has
// not returned after `limit`: a deadlocked pool must fail the test, not hang ctest. fn owns all it
// uses and asserts nothing itself (Catch assertions belong to the test's thread); on a timeout the
// thread is left behind on purpose (it cannot be joined).
template <class R>
R finishes_within(std::chrono::seconds limit, std::function<R()> fn) {
  auto done = std::make_shared<std::promise<R>>();
  std::future<R> f = done->get_future();  // unlike std::async's, this future's destructor never waits
  std::thread([done, fn = std::move(fn)] {
    try {
      done->set_value(fn());
    } catch (...) {
      done->set_exception(std::current_exception());
    }
  }).detach();
  if (f.wait_for(limit) != std::future_status::ready)
    FAIL("did not finish within " << limit.count() << " s: parallel_for deadlocked");
  return f.get();  // rethrows an exception of fn
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// 1. Moved-from owning types are empty and rejected.

TEST_CASE("moved-from owning types are empty and every entry point rejects them", "[robustness][library]") {
  STATIC_REQUIRE(!std::is_copy_constructible_v<tritlut::i2s_matrix>);
  STATIC_REQUIRE(!std::is_copy_constructible_v<tritlut::tl1_matrix>);
  STATIC_REQUIRE(!std::is_copy_constructible_v<tritlut::tl2_matrix>);
  STATIC_REQUIRE(!std::is_copy_constructible_v<tritlut::tl1_lut>);
  STATIC_REQUIRE(!std::is_copy_constructible_v<tritlut::tl2_lut>);
  STATIC_REQUIRE(!std::is_copy_constructible_v<tritlut::act_q8>);
  // The pool's workers point at the pool itself: it can be neither copied nor moved.
  STATIC_REQUIRE(!std::is_move_constructible_v<tritlut::thread_pool>);
  STATIC_REQUIRE(!std::is_move_assignable_v<tritlut::thread_pool>);

  const std::size_t m = 80, k = 384;
  const auto w = tt::random_ternary(m * k, 1);
  tt::for_each_isa([&] {
    const tritlut::act_q8 x = activations(1, k, 2);
    std::vector<float> y(m, sentinel);

    SECTION("i2s_matrix (owning): move construction and move assignment") {
      tritlut::i2s_matrix a = tritlut::i2s_matrix::pack(w.data(), m, k, 0.5f);
      tritlut::i2s_matrix b(std::move(a));
      REQUIRE(a.rows() == 0);  // NOLINT(bugprone-use-after-move): what is being tested
      REQUIRE(a.cols() == 0);
      REQUIRE(a.view().data == nullptr);
      REQUIRE(!a.owns_data());
      REQUIRE(a.packed_bytes() == 0);
      REQUIRE(a.unpack().empty());
      CHECK_THROWS_WITH(tritlut::gemv(a, x, y.data()), Contains("moved-from"));
      CHECK_THROWS_WITH(tritlut::gemm(a.view(), x.view(), y.data(), m), Contains("not an I2_S matrix"));
      CHECK_THROWS_WITH(tritlut::tl1_matrix::from_i2s(a.view()), Contains("not a valid I2_S view"));
      CHECK(std::all_of(y.begin(), y.end(), [](float v) { return v == sentinel; }));
      // The destination works.
      tritlut::gemv(b, x, y.data());
      check_floats(y, m, 0, m, oracle(w, m, k, x), m, x, 0.5f);

      tritlut::i2s_matrix c = tritlut::i2s_matrix::pack(w.data(), m, k, 0.25f);
      c = std::move(b);  // c's old buffer is freed, b's moves in
      REQUIRE(b.rows() == 0);  // NOLINT(bugprone-use-after-move)
      REQUIRE(b.view().data == nullptr);
      CHECK_THROWS_WITH(tritlut::gemv(b, x, y.data()), Contains("moved-from"));
      CHECK(c.rows() == m);
      CHECK(c.alpha() == 0.5f);
    }
    SECTION("i2s_matrix (zero-copy view of file bytes)") {
      std::vector<std::uint8_t> file(tritlut::i2s_file_bytes(m, k));
      tritlut::i2s_pack_file(w.data(), m, k, 2.0f, file.data());
      tritlut::i2s_matrix a = tritlut::i2s_matrix::from_file(file.data(), file.size(), m, k);
      REQUIRE(!a.owns_data());
      tritlut::i2s_matrix b = std::move(a);
      REQUIRE(a.rows() == 0);  // NOLINT(bugprone-use-after-move)
      REQUIRE(a.view().data == nullptr);
      CHECK_THROWS_WITH(tritlut::gemv(a, x, y.data()), Contains("moved-from"));
      tritlut::gemv(b, x, y.data());
      check_floats(y, m, 0, m, oracle(w, m, k, x), m, x, 2.0f);
    }
    SECTION("tl1_matrix and tl2_matrix") {
      tritlut::tl1_matrix a1 = tritlut::tl1_matrix::pack(w.data(), m, k, 1.0f);
      tritlut::tl2_matrix a2 = tritlut::tl2_matrix::pack(w.data(), m, k, 1.0f);
      tritlut::tl1_matrix b1(std::move(a1));
      tritlut::tl2_matrix b2;
      b2 = std::move(a2);
      REQUIRE(a1.rows() == 0);  // NOLINT(bugprone-use-after-move)
      REQUIRE(a1.cols() == 0);
      REQUIRE(a1.view().idx == nullptr);
      REQUIRE(a1.packed_bytes() == 0);
      REQUIRE(a1.unpack().empty());
      REQUIRE(a2.rows() == 0);  // NOLINT(bugprone-use-after-move)
      REQUIRE(a2.view().idx == nullptr);
      REQUIRE(a2.view().sign == nullptr);
      REQUIRE(a2.view().tail == nullptr);
      REQUIRE(a2.view().neg == nullptr);
      REQUIRE(a2.packed_bytes() == 0);
      REQUIRE(a2.unpack().empty());
      const tritlut::tl1_lut l1(x.view());
      const tritlut::tl2_lut l2(x.view());
      CHECK_THROWS_WITH(tritlut::gemv(a1, l1, y.data()), Contains("moved-from"));
      CHECK_THROWS_WITH(tritlut::gemv(a2, l2, y.data()), Contains("moved-from"));
      CHECK_THROWS_WITH(tritlut::gemv(a1, x, y.data()), Contains("moved-from"));
      CHECK(std::all_of(y.begin(), y.end(), [](float v) { return v == sentinel; }));
      tritlut::thread_pool pool(2);
      CHECK_THROWS_WITH(tritlut::gemm(pool, a2, l2, y.data()), Contains("moved-from"));
      const auto dots = oracle(w, m, k, x);
      tritlut::gemv(b1, l1, y.data());
      check_floats(y, m, 0, m, dots, m, x, 1.0f);
      tritlut::gemv(b2, l2, y.data());
      check_floats(y, m, 0, m, dots, m, x, 1.0f);
    }
    SECTION("tl_lut") {
      const auto t2 = tritlut::tl2_matrix::pack(w.data(), m, k, 1.0f);
      tritlut::tl2_lut a(x.view());
      tritlut::tl2_lut b(std::move(a));
      REQUIRE(a.tokens() == 0);  // NOLINT(bugprone-use-after-move)
      REQUIRE(a.cols() == 0);
      REQUIRE(a.view().data == nullptr);
      CHECK_THROWS_WITH(tritlut::gemm(t2, a, y.data()), Contains("empty lookup tables"));
      tritlut::gemm(t2, b, y.data());
      check_floats(y, m, 0, m, oracle(w, m, k, x), m, x, 1.0f);
      a.build(x.view());  // a moved-from tl2_lut can be built again
      std::vector<float> y2(m, sentinel);
      tritlut::gemm(t2, a, y2.data());
      CHECK(y2 == y);
    }
    SECTION("act_q8") {
      const auto mat = tritlut::i2s_matrix::pack(w.data(), m, k, 1.0f);
      tritlut::act_q8 a = activations(1, k, 2);
      tritlut::act_q8 b;
      b = std::move(a);
      REQUIRE(a.tokens() == 0);  // NOLINT(bugprone-use-after-move)
      REQUIRE(a.cols() == 0);
      REQUIRE(a.view().q == nullptr);
      REQUIRE(a.view().n == 0);
      CHECK_THROWS_WITH(tritlut::gemm(mat, a, y.data()), Contains("empty activations"));
      CHECK_THROWS_WITH(tritlut::tl1_lut(a.view()), Contains("empty activations"));
      tritlut::gemv(mat, b, y.data());
      check_floats(y, m, 0, m, oracle(w, m, k, b), m, b, 1.0f);
    }
    SECTION("aligned_buffer") {
      tritlut::aligned_buffer<float> a(100);
      tritlut::aligned_buffer<float> b(std::move(a));
      REQUIRE(a.size() == 0);  // NOLINT(bugprone-use-after-move)
      REQUIRE(a.data() == nullptr);
      CHECK(b.size() == 100);
    }
  });
}

// ---------------------------------------------------------------------------------------------
// 2. Null pointers.

TEST_CASE("every pointer-taking entry point rejects null with a clear error", "[robustness][library]") {
  const std::size_t m = 16, k = 128;
  const auto w = tt::random_ternary(m * k, 3);
  std::vector<std::uint8_t> file(tritlut::i2s_file_bytes(m, k));
  std::vector<std::int8_t> back(m * k);
  std::vector<float> y(m);

  CHECK_THROWS_WITH(tritlut::i2s_matrix::from_file(nullptr, file.size(), m, k), Contains("tensor bytes is null"));
  // K % 128 != 0 (repacked rows) as well as the zero-copy case.
  CHECK_THROWS_WITH(tritlut::i2s_matrix::from_file(nullptr, tritlut::i2s_file_bytes(m, 192), m, 192),
                    Contains("tensor bytes is null"));
  CHECK_THROWS_WITH(tritlut::i2s_matrix::pack(nullptr, m, k, 1.0f), Contains("weights is null"));
  CHECK_THROWS_WITH(tritlut::i2s_pack_file(nullptr, m, k, 1.0f, file.data()), Contains("weights is null"));
  CHECK_THROWS_WITH(tritlut::i2s_pack_file(w.data(), m, k, 1.0f, nullptr), Contains("output is null"));
  CHECK_THROWS_WITH(tritlut::i2s_unpack_file(nullptr, file.size(), m, k, back.data(), nullptr),
                    Contains("tensor bytes is null"));
  CHECK_THROWS_WITH(tritlut::i2s_unpack_file(file.data(), file.size(), m, k, nullptr, nullptr), Contains("output is null"));
  CHECK_THROWS_WITH(tritlut::tl1_matrix::pack(nullptr, m, k, 1.0f), Contains("tl1 pack: weights are null"));
  CHECK_THROWS_WITH(tritlut::tl2_matrix::pack(nullptr, m, k, 1.0f), Contains("tl2 pack: weights are null"));
  CHECK_THROWS_WITH(tritlut::quantize(nullptr, 1, k), Contains("null input"));

  tritlut::thread_pool pool(2);
  const std::function<void(std::size_t)> empty;
  CHECK_THROWS_WITH(pool.parallel_for(4, empty), Contains("empty function"));

  tt::for_each_isa([&] {
    const auto mat = tritlut::i2s_matrix::pack(w.data(), m, k, 1.0f);
    const auto x = activations(1, k, 4);
    // Views built by hand with a null array.
    tritlut::i2s_view v = mat.view();
    v.data = nullptr;
    CHECK_THROWS_WITH(tritlut::gemm(v, x.view(), y.data(), m), Contains("no data"));
    CHECK_THROWS_WITH(tritlut::gemm(pool, v, x.view(), y.data(), m), Contains("no data"));
    tritlut::act_view xv = x.view();
    xv.q = nullptr;
    CHECK_THROWS_WITH(tritlut::gemm(mat.view(), xv, y.data(), m), Contains("empty activations"));
    CHECK_THROWS_WITH(tritlut::gemm(mat.view(), x.view(), static_cast<float*>(nullptr), m), Contains("null output"));
    CHECK_THROWS_WITH(tritlut::gemm(mat.view(), x.view(), tritlut::out_span<float>(nullptr, m), m),
                      Contains("null output"));

    const auto t1 = tritlut::tl1_matrix::from_i2s(mat.view());
    const auto t2 = tritlut::tl2_matrix::from_i2s(mat.view());
    const tritlut::tl1_lut l1(x.view());
    const tritlut::tl2_lut l2(x.view());
    tritlut::tl1_view v1 = t1.view();
    v1.idx = nullptr;
    CHECK_THROWS_WITH(tritlut::gemm(v1, l1.view(), y.data(), m), Contains("no data"));
    // Each of TL2's four arrays on its own.
    for (int which = 0; which < 4; ++which) {
      tritlut::tl2_view v2 = t2.view();
      if (which == 0) v2.idx = nullptr;
      if (which == 1) v2.sign = nullptr;
      if (which == 2) v2.tail = nullptr;
      if (which == 3) v2.neg = nullptr;
      INFO("tl2 array " << which);
      CHECK_THROWS_WITH(tritlut::gemm(v2, l2.view(), y.data(), m), Contains("no data"));
      CHECK_THROWS_WITH(tritlut::gemm(pool, v2, l2.view(), y.data(), m), Contains("no data"));
    }
    tritlut::tl1_lut_view lv = l1.view();
    lv.data = nullptr;
    CHECK_THROWS_WITH(tritlut::gemm(t1.view(), lv, y.data(), m), Contains("empty lookup tables"));
    CHECK_THROWS_WITH(tritlut::gemm(t2.view(), l2.view(), static_cast<float*>(nullptr), m), Contains("null output"));
  });
}

// ---------------------------------------------------------------------------------------------
// 3. Nested parallel_for.

TEST_CASE("parallel_for inside a parallel_for task runs inline instead of deadlocking", "[robustness][library]") {
  // 20 s: the work is a few hundred tiny tasks (milliseconds even under ASan or an emulator).
  const auto limit = std::chrono::seconds(20);

  SECTION("same pool, two levels: every inner task once, on the thread of its outer task") {
    struct result {
      bool once = true, inline_ = true, flag_after = false;
    };
    const result r = finishes_within<result>(limit, [] {
      result res;
      tritlut::thread_pool pool(3);
      for (int rep = 0; rep < 50; ++rep) {
        const std::size_t outer = 6, inner = 7;
        std::vector<std::atomic<int>> hits(outer * inner);
        std::vector<std::thread::id> outer_thread(outer), inner_thread(outer * inner);
        pool.parallel_for(outer, [&](std::size_t i) {
          outer_thread[i] = std::this_thread::get_id();
          pool.parallel_for(inner, [&](std::size_t j) {
            hits[i * inner + j].fetch_add(1);
            inner_thread[i * inner + j] = std::this_thread::get_id();
          });
        });
        for (auto& h : hits) res.once = res.once && h.load() == 1;
        for (std::size_t i = 0; i < outer * inner; ++i) res.inline_ = res.inline_ && inner_thread[i] == outer_thread[i / inner];
      }
      res.flag_after = tritlut::pool_state::in_task();
      return res;
    });
    CHECK(r.once);
    CHECK(r.inline_);
    CHECK(!r.flag_after);  // the flag does not outlive the tasks
  }
  SECTION("three levels, and a pooled GEMM inside a task (every ISA)") {
    struct result {
      int leaves = 0;
      std::vector<std::vector<float>> ys;  // per ISA, 4 outputs
      std::vector<std::int32_t> dots;
      tritlut::act_q8 x;
    };
    constexpr std::size_t m = 96, k = 256;
    const result r = finishes_within<result>(limit, [] {
      result res;
      tritlut::thread_pool pool(4);
      std::atomic<int> leaves{0};
      pool.parallel_for(3, [&](std::size_t) {
        pool.parallel_for(4, [&](std::size_t) { pool.parallel_for(5, [&](std::size_t) { leaves++; }); });
      });
      res.leaves = leaves.load();
      const auto w = tt::random_ternary(m * k, 5);
      const auto mat = tritlut::i2s_matrix::pack(w.data(), m, k, 1.0f);
      const auto t2 = tritlut::tl2_matrix::pack(w.data(), m, k, 1.0f);
      res.x = activations(2, k, 6);
      const tritlut::tl2_lut l2(res.x.view());
      res.dots = oracle(w, m, k, res.x);
      // A plain loop, not tt::for_each_isa: this runs on finishes_within's thread, where no Catch
      // macro may run (it outlives a timed-out test case).
      for (tritlut::isa_id id : tritlut::available_isas()) {
        tritlut::scoped_isa force(id);
        std::vector<std::vector<float>> ys(4, std::vector<float>(2 * m, sentinel));
        pool.parallel_for(ys.size(), [&](std::size_t i) {
          if (i % 2 == 0) {
            tritlut::gemm(pool, mat, res.x, ys[i]);
          } else {
            tritlut::gemm(pool, t2, l2, ys[i]);
          }
        });
        for (auto& y : ys) res.ys.push_back(std::move(y));
      }
      return res;
    });
    CHECK(r.leaves == 3 * 4 * 5);
    REQUIRE(r.ys.size() == 4 * tritlut::available_isas().size());
    for (const auto& y : r.ys) check_floats(y, m, 0, m, r.dots, m, r.x, 1.0f);
  }
  SECTION("a task of one pool using another pool, both ways") {
    const int count = finishes_within<int>(limit, [] {
      tritlut::thread_pool a(3), b(3);
      std::atomic<int> n{0};
      a.parallel_for(4, [&](std::size_t) {
        b.parallel_for(4, [&](std::size_t) { a.parallel_for(2, [&](std::size_t) { n++; }); });
      });
      return n.load();
    });
    CHECK(count == 4 * 4 * 2);
  }
  SECTION("an exception in a nested task reaches the outer caller, the pool stays usable and parallel") {
    struct result {
      std::string message;
      bool flag_after = true;
      std::size_t distinct_threads = 0;
    };
    const result r = finishes_within<result>(limit, [] {
      result res;
      tritlut::thread_pool pool(3);
      try {
        pool.parallel_for(4, [&](std::size_t i) {
          pool.parallel_for(3, [&](std::size_t j) {
            if (i == 2 && j == 1) throw tritlut::error("inner task failed");
          });
        });
      } catch (const tritlut::error& e) {
        res.message = e.what();
      }
      res.flag_after = tritlut::pool_state::in_task();
      // Still parallel at top level: 3 tasks that wait (up to 5 s) for each other all arrive only
      // if 3 threads run them (a pool stuck in "inline" mode would run them one after another).
      std::atomic<int> arrived{0};
      std::vector<std::thread::id> ids(3);
      pool.parallel_for(3, [&](std::size_t i) {
        ids[i] = std::this_thread::get_id();
        arrived++;
        const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (arrived.load() < 3 && std::chrono::steady_clock::now() < until) std::this_thread::yield();
      });
      std::sort(ids.begin(), ids.end());
      res.distinct_threads = static_cast<std::size_t>(std::unique(ids.begin(), ids.end()) - ids.begin());
      return res;
    });
    CHECK_THAT(r.message, Contains("inner task failed"));
    CHECK(!r.flag_after);
    CHECK(r.distinct_threads == 3);
  }
}

// ---------------------------------------------------------------------------------------------
// 4. Output size: the out_span overloads.

namespace {

// One entry point under test: writes into `out` (an out_span of the right element type).
struct entry {
  const char* name;
  std::size_t need;  // elements it writes up to (exclusive)
  std::function<void(tritlut::out_span<float>)> run_f;
  std::function<void(tritlut::out_span<std::int32_t>)> run_i;
};

}  // namespace

TEST_CASE("gemm/gemv with an out_span check the output size, on every format and ISA", "[robustness][library]") {
  const std::size_t m = 72, k = 200, n = 3, ldy = m + 5, r0 = 16, r1 = 48;
  const auto w = tt::random_ternary(m * k, 7);
  const auto i2 = tritlut::i2s_matrix::pack(w.data(), m, k, 0.75f);
  const auto t1 = tritlut::tl1_matrix::pack(w.data(), m, k, 0.75f);
  const auto t2 = tritlut::tl2_matrix::pack(w.data(), m, k, 0.75f);
  const auto x = activations(n, k, 8), x1 = activations(1, k, 9);
  const auto dots = oracle(w, m, k, x), dots1 = oracle(w, m, k, x1);
  tritlut::thread_pool pool(3);

  tt::for_each_isa([&] {
    const tritlut::tl1_lut l1(x.view());
    const tritlut::tl2_lut l2(x.view());
    const tritlut::tl1_lut l1g(x1.view());
    const tritlut::tl2_lut l2g(x1.view());
    using of = tritlut::out_span<float>;
    using oi = tritlut::out_span<std::int32_t>;
    // name, elements needed, then the float or int32 call; `ld` and the row range as each writes.
    struct spec {
      entry e;
      std::size_t ld, row0, row1, tokens;
    };
    const std::size_t full = (n - 1) * ldy + m, part = (n - 1) * ldy + r1, dense = n * m;
    const std::vector<spec> specs = {
        {{"i2s gemm rows", part, [&](of y) { tritlut::gemm(i2.view(), x.view(), y, ldy, r0, r1); }, {}}, ldy, r0, r1, n},
        {{"i2s gemm", full, [&](of y) { tritlut::gemm(i2.view(), x.view(), y, ldy); }, {}}, ldy, 0, m, n},
        {{"i2s gemm matrix", dense, [&](of y) { tritlut::gemm(i2, x, y); }, {}}, m, 0, m, n},
        {{"i2s gemm pool", full, [&](of y) { tritlut::gemm(pool, i2.view(), x.view(), y, ldy); }, {}}, ldy, 0, m, n},
        {{"i2s gemm pool matrix", dense, [&](of y) { tritlut::gemm(pool, i2, x, y); }, {}}, m, 0, m, n},
        {{"i2s gemm_i32 rows", part, {}, [&](oi y) { tritlut::gemm_i32(i2.view(), x.view(), y, ldy, r0, r1); }}, ldy, r0, r1, n},
        {{"i2s gemm_i32", dense, {}, [&](oi y) { tritlut::gemm_i32(i2, x, y); }}, m, 0, m, n},
        {{"i2s gemv", m, [&](of y) { tritlut::gemv(i2, x1, y); }, {}}, m, 0, m, 1},
        {{"tl1 gemm rows", part, [&](of y) { tritlut::gemm(t1.view(), l1.view(), y, ldy, r0, r1); }, {}}, ldy, r0, r1, n},
        {{"tl1 gemm", full, [&](of y) { tritlut::gemm(t1.view(), l1.view(), y, ldy); }, {}}, ldy, 0, m, n},
        {{"tl1 gemm matrix", dense, [&](of y) { tritlut::gemm(t1, l1, y); }, {}}, m, 0, m, n},
        {{"tl1 gemm act", dense, [&](of y) { tritlut::gemm(t1, x, y); }, {}}, m, 0, m, n},
        {{"tl1 gemm pool", full, [&](of y) { tritlut::gemm(pool, t1.view(), l1.view(), y, ldy); }, {}}, ldy, 0, m, n},
        {{"tl1 gemm pool matrix", dense, [&](of y) { tritlut::gemm(pool, t1, l1, y); }, {}}, m, 0, m, n},
        {{"tl1 gemm_i32 rows", part, {}, [&](oi y) { tritlut::gemm_i32(t1.view(), l1.view(), y, ldy, r0, r1); }}, ldy, r0, r1, n},
        {{"tl1 gemm_i32", dense, {}, [&](oi y) { tritlut::gemm_i32(t1, l1, y); }}, m, 0, m, n},
        {{"tl1 gemv lut", m, [&](of y) { tritlut::gemv(t1, l1g, y); }, {}}, m, 0, m, 1},
        {{"tl1 gemv act", m, [&](of y) { tritlut::gemv(t1, x1, y); }, {}}, m, 0, m, 1},
        {{"tl2 gemm rows", part, [&](of y) { tritlut::gemm(t2.view(), l2.view(), y, ldy, r0, r1); }, {}}, ldy, r0, r1, n},
        {{"tl2 gemm", full, [&](of y) { tritlut::gemm(t2.view(), l2.view(), y, ldy); }, {}}, ldy, 0, m, n},
        {{"tl2 gemm matrix", dense, [&](of y) { tritlut::gemm(t2, l2, y); }, {}}, m, 0, m, n},
        {{"tl2 gemm act", dense, [&](of y) { tritlut::gemm(t2, x, y); }, {}}, m, 0, m, n},
        {{"tl2 gemm pool", full, [&](of y) { tritlut::gemm(pool, t2.view(), l2.view(), y, ldy); }, {}}, ldy, 0, m, n},
        {{"tl2 gemm pool matrix", dense, [&](of y) { tritlut::gemm(pool, t2, l2, y); }, {}}, m, 0, m, n},
        {{"tl2 gemm_i32 rows", part, {}, [&](oi y) { tritlut::gemm_i32(t2.view(), l2.view(), y, ldy, r0, r1); }}, ldy, r0, r1, n},
        {{"tl2 gemm_i32", dense, {}, [&](oi y) { tritlut::gemm_i32(t2, l2, y); }}, m, 0, m, n},
        {{"tl2 gemv lut", m, [&](of y) { tritlut::gemv(t2, l2g, y); }, {}}, m, 0, m, 1},
        {{"tl2 gemv act", m, [&](of y) { tritlut::gemv(t2, x1, y); }, {}}, m, 0, m, 1},
    };
    for (const spec& s : specs) {
      INFO(s.e.name);
      const auto& d = s.tokens == 1 ? dots1 : dots;
      const auto& xx = s.tokens == 1 ? x1 : x;
      if (s.e.run_f) {
        // One element short: a clear error naming both sizes, and nothing written.
        std::vector<float> small(s.e.need - 1, sentinel);
        CHECK_THROWS_WITH(s.e.run_f(small), Contains("output holds " + std::to_string(s.e.need - 1) + " elements, needs " +
                                                     std::to_string(s.e.need)));
        CHECK(std::all_of(small.begin(), small.end(), [](float v) { return v == sentinel; }));
        CHECK_THROWS_WITH(s.e.run_f(of(small.data(), 0)), Contains("output holds 0 elements"));
        // Exactly enough (a std::vector converts to the out_span): the right values, nothing else touched.
        std::vector<float> y(s.e.need, sentinel);
        s.e.run_f(y);
        for (std::size_t t = 0; t < s.tokens; ++t)
          for (std::size_t r = 0; r < s.ld && t * s.ld + r < y.size(); ++r)
            if (r < s.row0 || r >= s.row1) REQUIRE(y[t * s.ld + r] == sentinel);
        check_floats(y, s.ld, s.row0, s.row1, d, m, xx, 0.75f);
        // An aligned_buffer converts too.
        tritlut::aligned_buffer<float> ab(s.e.need);
        s.e.run_f(ab);
        CHECK(std::equal(ab.data(), ab.data() + ab.size(), y.begin(), [](float a, float b) { return b == sentinel || a == b; }));
      } else {
        std::vector<std::int32_t> small(s.e.need - 1, -7);
        CHECK_THROWS_WITH(s.e.run_i(small), Contains("output holds " + std::to_string(s.e.need - 1) + " elements, needs " +
                                                     std::to_string(s.e.need)));
        CHECK(std::all_of(small.begin(), small.end(), [](std::int32_t v) { return v == -7; }));
        std::vector<std::int32_t> y(s.e.need, -7);
        s.e.run_i(y);
        for (std::size_t t = 0; t < s.tokens; ++t)
          for (std::size_t r = 0; r < s.ld && t * s.ld + r < y.size(); ++r) {
            INFO("token " << t << " row " << r);
            if (r < s.row0 || r >= s.row1) REQUIRE(y[t * s.ld + r] == -7);
            else REQUIRE(y[t * s.ld + r] == d[t * m + r]);
          }
      }
    }
  });
}

TEST_CASE("out_span: a stride whose output size overflows size_t is rejected, not wrapped", "[robustness][library]") {
  const std::size_t m = 16, k = 128;
  const auto w = tt::random_ternary(m * k, 10);
  const auto mat = tritlut::i2s_matrix::pack(w.data(), m, k, 1.0f);
  const auto t1 = tritlut::tl1_matrix::pack(w.data(), m, k, 1.0f);
  const auto x = activations(3, k, 11);
  const tritlut::tl1_lut l1(x.view());
  std::vector<float> y(64, sentinel);
  // For ldy = 2^63, (3 - 1) * ldy + 16 wraps around to 16: without the overflow check a 64-element
  // buffer would pass the size test.
  const std::size_t ldy = std::size_t(1) << (sizeof(std::size_t) * 8 - 1);
  CHECK_THROWS_WITH(tritlut::gemm(mat.view(), x.view(), tritlut::out_span<float>(y), ldy), Contains("overflows"));
  CHECK_THROWS_WITH(tritlut::gemm(t1.view(), l1.view(), tritlut::out_span<float>(y), ldy), Contains("overflows"));
  CHECK(std::all_of(y.begin(), y.end(), [](float v) { return v == sentinel; }));
}
