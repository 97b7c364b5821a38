// SPDX-License-Identifier: MIT
#include "catch.hpp"
#include "support/problems.hpp"

using tritlut::isa_id;

TEST_CASE("isa names round-trip through the parser", "[isa]") {
  for (int i = 0; i < tritlut::isa_count; ++i) {
    const auto id = static_cast<isa_id>(i);
    isa_id back{};
    REQUIRE(tritlut::parse_isa_name(tritlut::isa_name(id), back));
    CHECK(back == id);
  }
  isa_id dummy{};
  CHECK_FALSE(tritlut::parse_isa_name("avx3", dummy));
  CHECK_FALSE(tritlut::parse_isa_name("", dummy));
}

TEST_CASE("available ISAs are compiled, supported and start with scalar", "[isa]") {
  const auto av = tritlut::available_isas();
  REQUIRE_FALSE(av.empty());
  CHECK(av.front() == isa_id::scalar);
  for (auto id : av) CHECK(tritlut::cpu_supports(id));
  // The default choice is the best available one (unless TRITLUT_ISA is set for this run).
  if (!std::getenv("TRITLUT_ISA")) CHECK(tritlut::active_isa() == av.back());
}

#if TRITLUT_ARCH_X86 && defined(__GNUC__)
TEST_CASE("cpu detection agrees with the compiler's own cpuid checks", "[isa]") {
  const auto& f = tritlut::cpu();
  CHECK(f.ssse3 == bool(__builtin_cpu_supports("ssse3")));
  CHECK(f.sse41 == bool(__builtin_cpu_supports("sse4.1")));
  CHECK(f.avx2 == bool(__builtin_cpu_supports("avx2")));
  CHECK(f.fma == bool(__builtin_cpu_supports("fma")));
  CHECK(f.avx512f == bool(__builtin_cpu_supports("avx512f")));
  CHECK(f.avx512bw == bool(__builtin_cpu_supports("avx512bw")));
  CHECK(f.avx512vl == bool(__builtin_cpu_supports("avx512vl")));
  CHECK(f.avx512dq == bool(__builtin_cpu_supports("avx512dq")));
  CHECK(f.avx512cd == bool(__builtin_cpu_supports("avx512cd")));
  // The runtime-dispatch build compiles every x86 tier, so each supported tier must be available.
  const auto av = tritlut::available_isas();
  auto has = [&](isa_id id) { return std::find(av.begin(), av.end(), id) != av.end(); };
  CHECK(has(isa_id::sse41) == tritlut::cpu_supports(isa_id::sse41));
  CHECK(has(isa_id::avx2) == tritlut::cpu_supports(isa_id::avx2));
  CHECK(has(isa_id::avx512) == tritlut::cpu_supports(isa_id::avx512));
  CHECK(has(isa_id::avx512_vnni) == tritlut::cpu_supports(isa_id::avx512_vnni));
}
#endif

TEST_CASE("scoped_isa forces every available ISA and restores the previous one", "[isa]") {
  const isa_id before = tritlut::active_isa();
  for (auto id : tritlut::available_isas()) {
    {
      tritlut::scoped_isa pin(id);
      CHECK(tritlut::active_isa() == id);
      CHECK(tritlut::active_isa_name() == tritlut::isa_name(id));
    }
    CHECK(tritlut::active_isa() == before);
  }
}

// An ISA of the other architecture: never compiled into this program.
constexpr const char* foreign_isa = TRITLUT_ARCH_X86 ? "neon" : "avx2";

TEST_CASE("forcing an unusable ISA is a clear error", "[isa]") {
  CHECK_THROWS_WITH(tritlut::scoped_isa("avx3"), Catch::Contains("unknown ISA 'avx3'"));
  CHECK_THROWS_WITH(tritlut::scoped_isa(foreign_isa),
                    Catch::Contains(std::string("'") + foreign_isa + "' is not compiled into this program"));
  for (int i = 0; i < tritlut::isa_count; ++i) {
    const auto id = static_cast<isa_id>(i);
    const auto compiled = tritlut::compiled_isas();
    if (std::find(compiled.begin(), compiled.end(), id) != compiled.end() && !tritlut::cpu_supports(id)) {
      INFO("isa " << tritlut::isa_name(id));
      CHECK_THROWS_WITH(tritlut::scoped_isa(id), Catch::Contains("this CPU does not support ISA"));
    }
  }
}
