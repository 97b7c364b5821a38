// SPDX-License-Identifier: MIT
// tritlut/tritlut.hpp - every public header and only those, in layer order: configuration and
// errors, ISA and dispatch, formats, quantized activations and lookup tables, the run-time-format
// matrix, the thread pool, and the entry points (docs/api.md). The internal ones (arch/, kernels/,
// compat/, quant/act.hpp, quant/lut.hpp, dispatch/instantiate.hpp) come in through these.
#pragma once

#include "config.hpp"
#include "version.hpp"
#include "error.hpp"
#include "types.hpp"
#include "memory.hpp"
#include "out_span.hpp"
#include "isa/isa.hpp"
#include "isa/cpu.hpp"
#include "dispatch/dispatch.hpp"
#include "formats/i2s.hpp"
#include "formats/i2s_group.hpp"
#include "formats/tl_common.hpp"
#include "formats/tl1.hpp"
#include "formats/tl2.hpp"
#include "quant/act_q8.hpp"
#include "quant/act_group.hpp"
#include "quant/tl_tables.hpp"
#include "matrix.hpp"
#include "parallel/thread_pool.hpp"
#include "api.hpp"
