// SPDX-License-Identifier: MIT
#include <algorithm>
#include <atomic>
#include <cstdint>

#include "catch.hpp"
#include "support/problems.hpp"

TEST_CASE("partition_rows covers rows 0 to m with aligned, disjoint parts", "[parallel]") {
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
  const auto w = tt::random_ternary(m * k, 21);
  const auto mat = tritlut::i2s_matrix::pack(w.data(), m, k, 0.25f);
  const auto a = tt::make_acts(n, k, 22);
  std::vector<float> y1(n * m), y2(n * m);
  tritlut::gemm(mat.view(), a.view(), y1.data(), m);
  for (unsigned threads : {2u, 3u}) {
    tritlut::thread_pool pool(threads);
    std::fill(y2.begin(), y2.end(), 0.0f);
    tritlut::gemm(pool, mat.view(), a.view(), y2.data(), m);
    CHECK(tt::bits_equal(y1, y2));
  }
}

TEST_CASE("aligned_buffer: alignment, zeroing and the huge-page advice", "[memory]") {
  using tritlut::huge_page_bytes;
  using tritlut::detail::huge_advice_bytes;
  // Below 2 MiB: no advice; whole huge pages when rounding up adds <= 1/8, else the whole pieces.
  CHECK(huge_advice_bytes(huge_page_bytes - 64) == 0);
  CHECK(huge_advice_bytes(huge_page_bytes) == huge_page_bytes);
  CHECK(huge_advice_bytes(huge_page_bytes + 64) == huge_page_bytes);  // 4 MiB would waste ~50%
  CHECK(huge_advice_bytes(8 * huge_page_bytes - 4096) == 8 * huge_page_bytes);
  CHECK(huge_advice_bytes(9 * huge_page_bytes + 4096) == 10 * huge_page_bytes);  // adds < 1/9
  CHECK(huge_advice_bytes(3 * huge_page_bytes + 4096) == 3 * huge_page_bytes);   // 4 would add ~1/3
  CHECK(huge_advice_bytes(16 * huge_page_bytes + 1) == 17 * huge_page_bytes);

  const tritlut::aligned_buffer<std::uint32_t> small(1000);
  CHECK(reinterpret_cast<std::uintptr_t>(small.data()) % tritlut::buffer_alignment == 0);
  CHECK(std::all_of(small.data(), small.data() + small.size(), [](std::uint32_t v) { return v == 0; }));
  const tritlut::aligned_buffer<std::uint8_t> big(3 * huge_page_bytes + 100);
  CHECK(reinterpret_cast<std::uintptr_t>(big.data()) % huge_page_bytes == 0);
  CHECK(std::all_of(big.data(), big.data() + big.size(), [](std::uint8_t v) { return v == 0; }));
  tritlut::aligned_buffer<std::uint8_t> raw(huge_page_bytes, tritlut::uninitialized);
  CHECK(raw.size() == huge_page_bytes);
  CHECK(reinterpret_cast<std::uintptr_t>(raw.data()) % huge_page_bytes == 0);
  raw[huge_page_bytes - 1] = 7;  // writable to the end
  CHECK(raw[huge_page_bytes - 1] == 7);
  CHECK(tritlut::aligned_buffer<float>(0, tritlut::uninitialized).data() == nullptr);
}
