# SPDX-License-Identifier: MIT
# Like tests/model/check_cli.cmake, with INPUT as the program's stdin (for -cnv).
set(_cmd ${EXE})
if(EMU)
  set(_cmd ${EMU} ${EXE})
endif()
execute_process(COMMAND ${_cmd} ${ARGS} INPUT_FILE "${INPUT}" RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _err)
if(NOT "${_rc}" STREQUAL "${RC}")
  message(FATAL_ERROR "exit status '${_rc}', expected ${RC}\nstdout: ${_out}\nstderr: ${_err}")
endif()
if(NOT "${_out}${_err}" MATCHES "${REGEX}")
  message(FATAL_ERROR "output does not match '${REGEX}'\nstdout: ${_out}\nstderr: ${_err}")
endif()
