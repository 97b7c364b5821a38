// SPDX-License-Identifier: MIT
// User kernels on tritlut's dispatch (dispatch/extension.hpp, api/ext_kernels.hpp): every ISA of
// the program has its own instance of the user's table, compiled with that ISA's flags in runtime
// mode, and the table in use follows the library's one selection (scoped_isa, TRITLUT_ISA).
// Built twice: in tritlut_tests (runtime mode) and as tritlut_ext_static_tests (static mode).
#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include <tritlut/tritlut.hpp>

#include "api/ext_kernels.hpp"
#include "catch.hpp"

#if TRITLUT_RUNTIME_DISPATCH
#define EXT_MODE "runtime"
#else
#define EXT_MODE "static"
#endif

namespace {

using ext_test::probe_ops;
using tritlut::isa_id;

// The overload a tag must reach: the most derived tier with code of its own in ext_kernels.hpp.
std::string expected_path(isa_id id) {
  switch (id) {
    case isa_id::avx2:
    case isa_id::avx512:
    case isa_id::avx512_vnni: return "avx2";
    case isa_id::neon:
    case isa_id::neon_dotprod: return "neon";
    default: return "generic";
  }
}

}  // namespace

TEST_CASE("extension (" EXT_MODE "): one table per available ISA, made for it", "[extension]") {
  const auto isas = tritlut::available_isas();
  REQUIRE(isas.size() >= 1);
  std::mt19937 g(51);
  std::uniform_int_distribution<int> q(-128, 127);
  for (isa_id id : isas) {
    const probe_ops& t = tritlut::user_table_for_isa<probe_ops>(id);
    INFO("isa " << tritlut::isa_name(id));
    REQUIRE(t.tag() == id);
    REQUIRE(t.path() == expected_path(id));
    // Runtime mode: each table comes from the TU compiled with its ISA's flags (scalar's from the
    // registry TU, with the program's own flags). Static mode: all from this TU.
    if (TRITLUT_RUNTIME_DISPATCH && id != isa_id::scalar) REQUIRE(t.tu_best() == id);
    if (!TRITLUT_RUNTIME_DISPATCH) REQUIRE(t.tu_best() == tritlut::isa::best::id);
    for (std::size_t n : {0u, 1u, 15u, 16u, 17u, 100u, 1000u}) {
      std::vector<std::int8_t> a(n), b(n);
      for (auto& e : a) e = static_cast<std::int8_t>(q(g));
      for (auto& e : b) e = static_cast<std::int8_t>(q(g));
      if (n) a[0] = b[0] = -128;
      std::int64_t want = 0;
      for (std::size_t i = 0; i < n; ++i) want += std::int64_t(a[i]) * b[i];
      REQUIRE(t.dot(a.data(), b.data(), n) == want);
    }
  }
  if (TRITLUT_RUNTIME_DISPATCH && tritlut::cpu_supports(isa_id::avx2)) CHECK(isas.size() >= 3);
}

TEST_CASE("extension (" EXT_MODE "): the active table follows scoped_isa", "[extension]") {
  REQUIRE(tritlut::active_user_table<probe_ops>().tag() == tritlut::active_isa());
  const isa_id before = tritlut::active_isa();
  for (isa_id id : tritlut::available_isas()) {
    tritlut::scoped_isa pin(id);
    INFO("forced " << tritlut::isa_name(id));
    REQUIRE(tritlut::active_user_table<probe_ops>().tag() == id);
    REQUIRE(&tritlut::active_user_table<probe_ops>() == &tritlut::user_table_for_isa<probe_ops>(id));
  }
  REQUIRE(tritlut::active_user_table<probe_ops>().tag() == before);
}

TEST_CASE("extension (" EXT_MODE "): an ISA not in the program is a clear error", "[extension]") {
  const auto compiled = tritlut::compiled_isas();
  int missing = 0;
  for (int i = 0; i < tritlut::isa_count; ++i) {
    const auto id = static_cast<isa_id>(i);
    bool in = false;
    for (isa_id c : compiled) in = in || c == id;
    if (in) continue;
    ++missing;
    REQUIRE_THROWS_WITH(tritlut::user_table_for_isa<probe_ops>(id), Catch::Contains("is not compiled into this program"));
  }
  CHECK(missing >= 1);  // the other processor family's ISAs at least
}

// ctest runs this with TRITLUT_ISA set (tests/api/CMakeLists.txt): the user table obeys it too.
TEST_CASE("extension (" EXT_MODE "): TRITLUT_ISA selects the user table", "[.ext-env]") {
  const char* env = std::getenv("TRITLUT_ISA");
  REQUIRE(env != nullptr);
  isa_id want{};
  REQUIRE(tritlut::parse_isa_name(env, want));
  REQUIRE(tritlut::active_user_table<probe_ops>().tag() == want);
}
