// SPDX-License-Identifier: MIT
// Prints the active ISA (after TRITLUT_ISA), or with --force-each checks that every available ISA
// can be forced and then runs. Exit code 1 with the error message on failure.
#include <cstdio>
#include <cstring>
#include <vector>

#include <tritlut/tritlut.hpp>

int main(int argc, char** argv) {
  try {
    if (argc > 1 && std::strcmp(argv[1], "--force-each") == 0) {
      for (tritlut::isa_id id : tritlut::available_isas()) {
        tritlut::scoped_isa pin(id);
        if (tritlut::active_isa() != id) {
          std::fprintf(stderr, "forced %s but %s is active\n", tritlut::isa_name(id).data(),
                       tritlut::active_isa_name().data());
          return 1;
        }
        // Run a kernel under it: quantize one row.
        std::vector<float> x(300, 0.5f);
        auto q = tritlut::quantize(x.data(), 1, x.size());
        if (q.row(0)[0] != 127) return 1;
        std::printf("ok %s\n", tritlut::isa_name(id).data());
      }
      return 0;
    }
    std::printf("active=%s\n", tritlut::active_isa_name().data());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    std::printf("%s\n", e.what());
    return 1;
  }
}
