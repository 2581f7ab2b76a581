#!/usr/bin/env bash
# Set up goheap and run its main job on a bundled sample dump: the leak
# report for the dump the leaky sample service (dumps/src/leaky) wrote with
# the newest Go release in dumps/, using the binary that wrote it.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
dump=$(ls dumps/leaky-go*-amd64.dump.gz | grep -v -- -early | sort -V | tail -n 1)
build/goheap check "$dump"
build/goheap leaks "$dump" "${dump%.dump.gz}.bin"
