#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Test emulator for the aarch64 cross build: the CPU model comes from TRITLUT_QEMU_CPU at run time
# (cortex-a53: NEON only; cortex-a76: NEON + dotprod; max: + i8mm, SVE), so one build is tested
# on several CPUs: TRITLUT_QEMU_CPU=cortex-a53 ctest --test-dir build-arm
exec qemu-aarch64 -L /usr/aarch64-linux-gnu -cpu "${TRITLUT_QEMU_CPU:-max}" "$@"
