# SPDX-License-Identifier: MIT
# Warning flags for tritlut's own targets (tests, benches, examples): tritlut_set_warnings(<target>).
include_guard(GLOBAL)
function(tritlut_set_warnings target)
  if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wshadow -Wnon-virtual-dtor -Wpedantic)
    if(TRITLUT_WERROR)
      target_compile_options(${target} PRIVATE -Werror)
    endif()
  endif()
  if(TRITLUT_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined -fno-omit-frame-pointer
                                             -fno-sanitize-recover=undefined)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
    if(CMAKE_SYSTEM_PROCESSOR MATCHES "aarch64|arm64" AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
      # GCC's arm_neon.h writes vaddq_s8 as a + b: UBSan reports false signed overflows there.
      target_compile_options(${target} PRIVATE -fno-sanitize=signed-integer-overflow)
    endif()
  endif()
endfunction()
