// SPDX-License-Identifier: MIT
// tests/support/each_isa.hpp - run a test body on every ISA this CPU can run.
#pragma once

#include <type_traits>

#include <tritlut/tritlut.hpp>

#include "catch.hpp"

namespace tt {

// Calls body() (or body(id)) once per available ISA (tritlut::available_isas(), worst to best)
// with that ISA forced (tritlut::scoped_isa) and named in Catch's messages, so a failure says which
// ISA it was. A REQUIRE that fails ends the test case there, as it would in a plain loop.
template <class Body>
void for_each_isa(Body&& body) {
  for (const tritlut::isa_id id : tritlut::available_isas()) {
    const tritlut::scoped_isa pin(id);
    INFO("isa " << tritlut::isa_name(id));
    if constexpr (std::is_invocable_v<Body&, tritlut::isa_id>) {
      body(id);
    } else {
      body();
    }
  }
}

}  // namespace tt
