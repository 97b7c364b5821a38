// SPDX-License-Identifier: MIT
// tritlut/gemm_tl.hpp - kept for existing includes: the entry points of every format are in api.hpp.
#pragma once

#include "api.hpp"
