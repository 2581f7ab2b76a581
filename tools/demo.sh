#!/usr/bin/env bash
# Set up goheap and run it on a bundled sample dump: the dump made by the
# newest Go release in dumps/, with the binary that wrote it.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
dump=$(ls dumps/shapes-go*-amd64.dump.gz | sort -V | tail -n 1)
build/goheap check "$dump"
build/goheap info "$dump" "${dump%.dump.gz}.bin"
