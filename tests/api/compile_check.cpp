// SPDX-License-Identifier: MIT
// Compiled by ctest (tests/api/CMakeLists.txt), once per case: TL2 weights with TL2 tables must
// build; TL2 weights with TL1 tables must not, neither through the owning types nor the views.
#include <cstdint>
#include <cstdio>
#include <vector>

#include <tritlut/tritlut.hpp>

int main() {
  const std::size_t m = 64, k = 96;
  const std::vector<std::int8_t> w(m * k, 1);
  const std::vector<float> x(k, 1.0f);
  const auto mat = tritlut::tl2_matrix::pack(w.data(), m, k, 1.0f);
  const auto q = tritlut::quantize(x.data(), 1, k);
  std::vector<float> y(m);
#if defined(TRITLUT_CASE_RIGHT_TABLES)
  const tritlut::tl2_lut lut(q.view());
  tritlut::gemm(mat, lut, y.data());
  tritlut::gemm(mat.view(), lut.view(), y.data(), m);
#elif defined(TRITLUT_CASE_WRONG_OWNER_TABLES)
  const tritlut::tl1_lut lut(q.view());
  tritlut::gemm(mat, lut, y.data());
#elif defined(TRITLUT_CASE_WRONG_VIEW_TABLES)
  const tritlut::tl1_lut lut(q.view());
  tritlut::gemm(mat.view(), lut.view(), y.data(), m);
#endif
  std::printf("y[0] = %g\n", static_cast<double>(y[0]));
  return 0;
}
