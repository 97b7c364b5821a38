// SPDX-License-Identifier: MIT
// tritlut/version.hpp - library version; CMake parses these three lines.
#pragma once

#define TRITLUT_VERSION_MAJOR 0
#define TRITLUT_VERSION_MINOR 1
#define TRITLUT_VERSION_PATCH 0

#define TRITLUT_VERSION (TRITLUT_VERSION_MAJOR * 10000 + TRITLUT_VERSION_MINOR * 100 + TRITLUT_VERSION_PATCH)
#define TRITLUT_VERSION_STRING "0.1.0"
