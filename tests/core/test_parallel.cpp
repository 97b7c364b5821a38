// SPDX-License-Identifier: MIT
#include <atomic>

#include "catch.hpp"
#include "test_util.hpp"

TEST_CASE("partition_rows covers [0, m) with aligned, disjoint parts", "[parallel]") {
  for (std::size_t m : {1, 7, 16, 100, 2560, 6913})
    for (std::size_t parts : {1, 2, 3, 8, 16})
      for (std::size_t align : {1, 4, 16, 64}) {
        std::size_t expect = 0;
        for (std::size_t i = 0; i < parts; ++i) {
          const auto [r0, r1] = tritlut::partition_rows(m, parts, i, align);
          REQUIRE(r0 == expect);
          REQUIRE(r1 >= r0);
          if (r1 < m) REQUIRE(r1 % align == 0);
          expect = r1;
        }
        REQUIRE(expect == m);
      }
}

TEST_CASE("thread_pool runs every task exactly once, repeatedly", "[parallel]") {
  for (unsigned threads : {1u, 2u, 4u}) {
    tritlut::thread_pool pool(threads);
    REQUIRE(pool.size() == threads);
    for (int rep = 0; rep < 200; ++rep) {
      const std::size_t n = 1 + rep % 37;
      std::vector<std::atomic<int>> hits(n);
      pool.parallel_for(n, [&](std::size_t i) { hits[i].fetch_add(1); });
      for (auto& h : hits) REQUIRE(h.load() == 1);
    }
  }
}

TEST_CASE("thread_pool rethrows a task's exception", "[parallel]") {
  tritlut::thread_pool pool(3);
  CHECK_THROWS_WITH(pool.parallel_for(10, [](std::size_t i) {
                      if (i == 7) throw std::runtime_error("task 7 failed");
                    }),
                    Catch::Contains("task 7 failed"));
  // The pool is still usable afterwards.
  std::atomic<int> count{0};
  pool.parallel_for(5, [&](std::size_t) { count++; });
  CHECK(count == 5);
}

TEST_CASE("gemm over the thread pool equals the single-threaded result", "[parallel][i2s]") {
  const std::size_t m = 1000, k = 768, n = 3;
  const auto w = test::random_ternary(m * k, 21);
  const auto mat = tritlut::i2s_matrix::pack(w.data(), m, k, 0.25f);
  const auto a = test::make_acts(n, k, 22);
  std::vector<float> y1(n * m), y2(n * m);
  tritlut::gemm(mat.view(), a.view(), y1.data(), m);
  for (unsigned threads : {2u, 3u}) {
    tritlut::thread_pool pool(threads);
    std::fill(y2.begin(), y2.end(), 0.0f);
    tritlut::gemm(pool, mat.view(), a.view(), y2.data(), m);
    CHECK(test::bits_equal(y1, y2));
  }
}
