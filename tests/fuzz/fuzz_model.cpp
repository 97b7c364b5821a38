// SPDX-License-Identifier: MIT
// tests/fuzz/fuzz_model.cpp - model loading beyond the container: any bytes that parse as GGUF go
// through the real loader (hyper-parameters, tensor names, types and shapes, the BitLinear repack
// to the kernel chosen below), then the tokenizer is built from the metadata and, when both
// succeed, two tokens run through the forward pass in a context of 8. Only std::exception may
// escape the loader; crashes/UB are bugs.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <vector>

#include <tritlut/tritlut.hpp>

#include "engine/generate.hpp"
#include "formats/gguf.hpp"
#include "engine/model.hpp"
#include "tokenizer/tokenizer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace trex;
  static tritlut::thread_pool pool(1);  // inline: deterministic and no thread start-up per input
  try {
    gguf_reader r = gguf_reader::from_memory(data, size, "fuzz");
    // The input's size picks the kernel and whether weights are copied (every path of the loader).
    load_options o;
    const kernel_kind kinds[3] = {kernel_kind::i2s, kernel_kind::tl1, kernel_kind::tl2};
    o.kernel = kinds[size % 3];
    if (!kernel_available(o.kernel)) o.kernel = kernel_kind::i2s;
    o.mmap_weights = (size / 3) % 2 == 0;
    o.prefault = false;
    auto m = model::load(std::move(r), o, pool);
    const tokenizer tok = tokenizer::from_gguf(m->file());
    session_options so;
    so.n_ctx = 8;
    so.n_batch = 2;
    session s(*m, pool, so);
    std::vector<std::int32_t> ids = tok.encode("Hi a", tok.add_bos(), true);
    ids.resize(std::min<std::size_t>(ids.size(), 2));
    if (!ids.empty()) s.eval(ids);
  } catch (const std::exception&) {
  }
  return 0;
}
