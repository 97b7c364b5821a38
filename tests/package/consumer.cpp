// SPDX-License-Identifier: MIT
// Shared by both consumer projects: a GEMV on every available ISA, checked against plain loops.
#include <cstdio>
#include <vector>

#include <tritlut/tritlut.hpp>

#ifndef CONSUMER_NAME
#error "CONSUMER_NAME must be defined"
#endif

int main() {
  const std::size_t m = 40, k = 300;
  std::vector<std::int8_t> w(m * k);
  for (std::size_t i = 0; i < w.size(); ++i) w[i] = static_cast<std::int8_t>(int((i * 7) % 3) - 1);
  const auto mat = tritlut::i2s_matrix::pack(w.data(), m, k, 1.0f);
  std::vector<float> x(k);
  for (std::size_t j = 0; j < k; ++j) x[j] = float(int(j % 11) - 5);
  for (auto id : tritlut::available_isas()) {
    tritlut::scoped_isa pin(id);
    const auto q = tritlut::quantize(x.data(), 1, k);
    std::vector<std::int32_t> got(m);
    tritlut::gemm_i32(mat.view(), q.view(), got.data(), m, 0, m);
    for (std::size_t r = 0; r < m; ++r) {
      int want = 0;
      for (std::size_t j = 0; j < k; ++j) want += w[r * k + j] * q.row(0)[j];
      if (got[r] != want) {
        std::printf("mismatch isa=%s row=%zu\n", tritlut::isa_name(id).data(), r);
        return 1;
      }
    }
  }
  std::printf(CONSUMER_NAME " consumer: ok, %zu ISAs, best %s, tritlut version %s, xsimd %d.%d.%d\n",
              tritlut::available_isas().size(), tritlut::active_isa_name().data(), TRITLUT_VERSION_STRING,
              XSIMD_VERSION_MAJOR, XSIMD_VERSION_MINOR, XSIMD_VERSION_PATCH);
  return 0;
}
