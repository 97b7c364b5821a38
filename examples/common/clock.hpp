// SPDX-License-Identifier: MIT
// examples/common/clock.hpp - the one clock of the example: monotonic seconds for timings and
// progress (steady_clock: a wall-clock step must not turn a timing negative).
#pragma once

#include <chrono>

namespace trex {

inline double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace trex
