#!/usr/bin/env bash
# run.sh [OBJECTS]: make the benchmark dump of OBJECTS heap objects (default
# 10000000) if it is missing (make-bigdump.sh, into build/bench/OBJECTS/),
# build goheap with optimisation (build-bench/), page-cache the dump, then
# measure the reader (bench_reader), the whole `goheap check` command (wall
# time and peak RSS from /usr/bin/time when present) and the whole analysis
# (bench_graph: dump, binary, graph, typing, dominators + retained sizes).
# A smaller run: tools/bench/run.sh 1000000
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OBJECTS=${1:-10000000}
OUT=$ROOT/build/bench/$OBJECTS
[ -f "$OUT/bigheap.dump" ] || "$ROOT/tools/bench/make-bigdump.sh" "$OUT" "$OBJECTS"
cmake -S "$ROOT" -B "$ROOT/build-bench" -DCMAKE_BUILD_TYPE=Release -DGOHEAP_BUILD_BENCH=ON \
	-DGOHEAP_BUILD_TESTS=OFF >/dev/null
cmake --build "$ROOT/build-bench" -j"$(nproc)" >/dev/null
cat "$OUT/bigheap.dump" >/dev/null   # page-cache the dump
echo "== reader (goheap_dump_open), best of 5"
"$ROOT/build-bench/tools/bench/bench_reader" "$OUT/bigheap.dump" 5
echo "== goheap check"
if [ -x /usr/bin/time ]; then
	/usr/bin/time -f "wall_seconds %e\nmax_rss_kb %M" "$ROOT/build-bench/goheap" check -q "$OUT/bigheap.dump"
else
	time "$ROOT/build-bench/goheap" check -q "$OUT/bigheap.dump"
fi
echo "== whole analysis: dump, binary, graph, typing, dominators + retained"
"$ROOT/build-bench/tools/bench/bench_graph" "$OUT/bigheap.dump" "$OUT/bigheap.bin"
