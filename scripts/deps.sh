#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs tritlut's build and test dependencies from Debian's packages (bookworm or newer).
# Idempotent: installs only what is missing. Needs root (or sudo).
set -euo pipefail
pkgs=(cmake g++ make clang libxsimd-dev catch2 libbenchmark-dev g++-aarch64-linux-gnu qemu-user
      libclang-rt-dev)
missing=()
for p in "${pkgs[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all packages present" >&2
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "deps: installing ${missing[*]}" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
