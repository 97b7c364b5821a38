# SPDX-License-Identifier: MIT
# The per-ISA kernel TUs must not define weak (inline/template) symbols outside their own inline
# target namespace: the linker could pick such a VEX/EVEX-encoded copy for a baseline caller and
# crash an older CPU with SIGILL. Args: -DNM=<nm> -DOBJECTS=<list of object files>.
set(checked 0)
foreach(obj IN LISTS OBJECTS)
  if(NOT obj MATCHES "kernels_([a-z0-9_]+)\\.cpp\\.o(bj)?$")
    continue()
  endif()
  set(isa "${CMAKE_MATCH_1}")
  string(REPLACE "_" "" ns "target_${isa}")  # avx512_vnni -> targetavx512vnni
  execute_process(COMMAND "${NM}" -C --defined-only "${obj}" OUTPUT_VARIABLE out RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "nm failed on ${obj}")
  endif()
  string(REPLACE "\n" ";" lines "${out}")
  foreach(line IN LISTS lines)
    # W = weak code (inline functions, template instantiations). Weak data (V, u: inline constexpr
    # variables, function-local statics) holds the same bytes in every TU, whatever the flags.
    if(line MATCHES "^[0-9a-f]+ W (.*)$")
      set(sym "${CMAKE_MATCH_1}")
      string(REPLACE "target_" "target" norm "${sym}")
      string(REPLACE "_" "" norm "${norm}")
      if(sym MATCHES "^DW\\.ref\\.__gxx_personality_v0$" OR norm MATCHES "${ns}")
        continue()
      endif()
      message(FATAL_ERROR "${obj}: weak symbol outside tritlut::target_${isa}: ${sym}")
    endif()
  endforeach()
  math(EXPR checked "${checked} + 1")
endforeach()
if(checked EQUAL 0)
  message(FATAL_ERROR "no per-ISA kernel objects found in: ${OBJECTS}")
endif()
message("checked ${checked} per-ISA kernel objects: no weak symbols outside their target namespace")
