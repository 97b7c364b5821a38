# SPDX-License-Identifier: MIT
# Finds tritlut's dependencies: xsimd (>= 8.1) and Threads. Shared by the build and tritlutConfig.cmake.
include_guard(GLOBAL)
include(CMakeFindDependencyMacro)

# xsimd installs SameMajorVersion configs, so find_package(xsimd 8.1) would silently skip a newer
# major version; ask for any version and check the minimum ourselves.
find_dependency(xsimd)
if(xsimd_VERSION VERSION_LESS 8.1)
  message(FATAL_ERROR "tritlut needs xsimd >= 8.1, found ${xsimd_VERSION}")
endif()
# Debian's libxsimd-dev 8.1 lists 'xtl' in the xsimd target's link interface without shipping it:
# the link then fails with 'cannot find -lxtl'. xsimd's headers don't need xtl, so an empty stand-in fixes it.
if(NOT TARGET xtl)
  add_library(xtl INTERFACE IMPORTED)
endif()

set(THREADS_PREFER_PTHREAD_FLAG ON)
find_dependency(Threads)
