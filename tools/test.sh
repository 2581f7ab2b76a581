#!/usr/bin/env bash
# Set up goheap and run the whole test suite twice: a normal build with
# warnings as errors, and an AddressSanitizer + UndefinedBehaviorSanitizer
# build. Exits non-zero if anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

tools/setup.sh -DGOHEAP_WERROR=ON
(cd build && ctest --output-on-failure -j"$jobs")

GOHEAP_BUILD_DIR=build-asan tools/setup.sh -DGOHEAP_WERROR=ON -DGOHEAP_SANITIZE=ON \
	-DCMAKE_BUILD_TYPE=Debug
(cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j"$jobs")
