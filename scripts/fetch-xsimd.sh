#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Fetches a newer xsimd from a newer Debian suite into a private prefix, without touching the
# system: apt with its own sources list and state, then dpkg-deb -x of libxsimd-dev and xtl-dev
# (Debian's xsimd >= 13 config needs xtl). Both are header-only, so an amd64 download serves every
# build. Used by scripts/test.sh's xsimd stage to keep the xsimd 13/14 compatibility tested.
# Usage: scripts/fetch-xsimd.sh <suite> <dest>     (suite: trixie -> xsimd 13.x, sid -> 14.x)
# Prints the prefix's xsimd version; the CMake configs land in <dest>/usr/share/cmake/{xsimd,xtl}.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 <suite> <dest>" >&2; exit 2; }
suite=$1
dest=$(mkdir -p "$2" && cd "$2" && pwd)
apt_dir="$dest/apt"
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$dest/debs"
echo "deb http://deb.debian.org/debian $suite main" >"$apt_dir/sources.list"
opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
      -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache" -o APT::Sandbox::User=root
      -o Debug::NoLocking=1)
apt-get "${opts[@]}" update -qq >&2 || { echo "fetch-xsimd: apt-get update of '$suite' failed" >&2; exit 1; }
(cd "$dest/debs" && rm -f ./*.deb && apt-get "${opts[@]}" download libxsimd-dev xtl-dev >&2) ||
  { echo "fetch-xsimd: could not download libxsimd-dev/xtl-dev from '$suite'" >&2; exit 1; }
for deb in "$dest"/debs/*.deb; do dpkg-deb -x "$deb" "$dest"; done
ver=$(sed -n 's/^#define XSIMD_VERSION_\(MAJOR\|MINOR\|PATCH\) \([0-9]*\).*/\2/p' \
        "$dest/usr/include/xsimd/config/xsimd_config.hpp" | paste -sd.)
[ -n "$ver" ] || { echo "fetch-xsimd: no xsimd version in $dest" >&2; exit 1; }
echo "$ver"
