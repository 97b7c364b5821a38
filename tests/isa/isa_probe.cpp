// SPDX-License-Identifier: MIT
// Hidden cases run by the isa_env.* ctests (isa/CMakeLists.txt) with TRITLUT_ISA set: the first
// prints the active ISA (ctest matches it, or the variable's error, in the output), the second
// checks that every available ISA can be forced and then runs.
#include <cstdio>
#include <vector>

#include <tritlut/tritlut.hpp>

#include "catch.hpp"

TEST_CASE("isa probe: the active ISA", "[.isa-probe]") {
  std::printf("active=%s\n", tritlut::active_isa_name().data());
  std::fflush(stdout);
}

TEST_CASE("isa probe: every available ISA can be forced", "[.isa-probe]") {
  for (tritlut::isa_id id : tritlut::available_isas()) {
    tritlut::scoped_isa pin(id);
    INFO("forced " << tritlut::isa_name(id) << ", active " << tritlut::active_isa_name());
    REQUIRE(tritlut::active_isa() == id);
    // Run a kernel under it: quantize one row.
    std::vector<float> x(300, 0.5f);
    auto q = tritlut::quantize(x.data(), 1, x.size());
    REQUIRE(q.row(0)[0] == 127);
    std::printf("ok %s\n", tritlut::isa_name(id).data());
  }
}
