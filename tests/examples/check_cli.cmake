# SPDX-License-Identifier: MIT
# Runs EXE (under EMU when cross-compiling) with ARGS, and with the file INPUT as stdin when given
# (-cnv); checks the exit status RC and that stdout+stderr match REGEX. Never passes on a crash
# (signals give a non-numeric result).
set(_cmd ${EXE})
if(EMU)
  set(_cmd ${EMU} ${EXE})
endif()
set(_stdin)
if(INPUT)
  set(_stdin INPUT_FILE "${INPUT}")
endif()
execute_process(COMMAND ${_cmd} ${ARGS} ${_stdin} RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _err)
if(NOT "${_rc}" STREQUAL "${RC}")
  message(FATAL_ERROR "exit status '${_rc}', expected ${RC}\nstdout: ${_out}\nstderr: ${_err}")
endif()
if(NOT "${_out}${_err}" MATCHES "${REGEX}")
  message(FATAL_ERROR "output does not match '${REGEX}'\nstdout: ${_out}\nstderr: ${_err}")
endif()
