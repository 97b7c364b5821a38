// SPDX-License-Identifier: MIT
// Static mode: no tritlut_add_kernels(), so the tables are those this TU's flags can compile.
#include "catch.hpp"
#include "support/each_isa.hpp"
#include "support/problems.hpp"

TEST_CASE("static mode compiles exactly the tiers the flags allow", "[isa][static]") {
  static_assert(!TRITLUT_RUNTIME_DISPATCH, "this test must build in static mode");
  const auto compiled = tritlut::compiled_isas();
  REQUIRE_FALSE(compiled.empty());
  CHECK(compiled.front() == tritlut::isa_id::scalar);
  CHECK(compiled.back() == tritlut::isa::best::id);
  for (auto id : compiled) CHECK(tritlut::isa_compiled(id));
}

TEST_CASE("static mode kernels agree with the oracle", "[i2s][static]") {
  const std::size_t m = 45, k = 700, n = 3;
  const auto w = tt::random_ternary(m * k, 3);
  const auto mat = tritlut::i2s_matrix::pack(w.data(), m, k, 1.0f);
  const auto a = tt::make_acts(n, k, 4);
  tt::for_each_isa([&] {
    std::vector<std::int32_t> got(n * m);
    tritlut::gemm_i32(mat.view(), a.view(), got.data(), m, 0, m);
    CHECK(got == tt::oracle_dots(w, m, k, a));
  });
}
