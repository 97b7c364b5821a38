// SPDX-License-Identifier: MIT
// tritlut/tritlut.hpp - everything: formats, quantizer, dispatch, GEMV/GEMM, thread pool.
#pragma once

#include "config.hpp"
#include "version.hpp"
#include "error.hpp"
#include "out_span.hpp"
#include "isa/isa.hpp"
#include "isa/cpu.hpp"
#include "dispatch/dispatch.hpp"
#include "formats/i2s.hpp"
#include "quant/act.hpp"
#include "quant/act_q8.hpp"
#include "gemm.hpp"
#include "parallel/thread_pool.hpp"
#include "formats/tl1.hpp"
#include "formats/tl2.hpp"
#include "quant/lut.hpp"
#include "gemm_tl.hpp"
