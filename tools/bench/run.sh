#!/usr/bin/env bash
# run.sh [OBJECTS]: make the benchmark dump of OBJECTS heap objects (default
# 10000000) if it is missing (make-bigdump.sh, into build/bench/OBJECTS/),
# build goheap with optimisation (build-bench/), page-cache the dump, then
# measure the reader (bench_reader), the whole `goheap check` command (wall
# time and peak RSS from /usr/bin/time when present) and the whole analysis
# (bench_graph: dump, binary, graph, typing, dominators + retained sizes),
# goheap pprof (bench_pprof: the profile writer's objects/s and memory; the
# whole command), then goheap hprof (bench_hprof: the writer's MB/s and
# memory; the whole command) and the VisualVM heap library computing
# retained sizes on its file, with the ratio to goheap's own analysis.
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
echo "== goheap pprof: the profile writer alone after the analysis (objects/s, memory)"
"$ROOT/build-bench/tools/bench/bench_pprof" "$OUT/bigheap.dump" "$OUT/bigheap.bin" "$OUT/bigheap.pb.gz"
echo "== goheap pprof, the whole command"
if [ -x /usr/bin/time ]; then
	/usr/bin/time -f "wall_seconds %e\nmax_rss_kb %M" "$ROOT/build-bench/goheap" pprof -q -o "$OUT/bigheap.pb.gz" \
		"$OUT/bigheap.dump" "$OUT/bigheap.bin"
else
	time "$ROOT/build-bench/goheap" pprof -q -o "$OUT/bigheap.pb.gz" "$OUT/bigheap.dump" "$OUT/bigheap.bin"
fi
echo "== goheap hprof: the writer alone (MB/s, memory) after goheap's own analysis"
HPROF=$OUT/bigheap.hprof
rm -rf "$HPROF" "$HPROF.hwcache"
"$ROOT/build-bench/tools/bench/bench_hprof" "$OUT/bigheap.dump" "$OUT/bigheap.bin" "$HPROF" | tee "$OUT/hprof.txt"
echo "== goheap hprof, the whole command"
if [ -x /usr/bin/time ]; then
	/usr/bin/time -f "wall_seconds %e\nmax_rss_kb %M" "$ROOT/build-bench/goheap" hprof -q -o "$HPROF" \
		"$OUT/bigheap.dump" "$OUT/bigheap.bin" >/dev/null
else
	time "$ROOT/build-bench/goheap" hprof -q -o "$HPROF" "$OUT/bigheap.dump" "$OUT/bigheap.bin" >/dev/null
fi
echo "== the VisualVM heap library on that file: open, then retained sizes"
JAR=
for base in "$ROOT/build/visualvm" "$ROOT/build-bench/visualvm" ""; do
	f=$base/usr/share/visualvm/visualvm/modules/org-graalvm-visualvm-lib-jfluid-heap.jar
	[ -f "$f" ] && { JAR=$f; break; }
done
if [ -z "$JAR" ] || ! command -v javac >/dev/null; then
	echo "no VisualVM heap library or javac: run tools/setup.sh" >&2
	exit 0
fi
mkdir -p "$ROOT/build-bench/hprof"
javac -cp "$JAR" -d "$ROOT/build-bench/hprof" "$ROOT/tests/hprof/HprofCheck.java"
rm -rf "$HPROF.hwcache"
# VisualVM's retained sizes take minutes a million objects: give up after
# VISUALVM_TIMEOUT seconds (default 3600)
timeout "${VISUALVM_TIMEOUT:-3600}" java -cp "$JAR:$ROOT/build-bench/hprof" HprofCheck --bench "$HPROF" |
	tee "$OUT/visualvm.txt" || echo "visualvm: no result within ${VISUALVM_TIMEOUT:-3600} s"
rm -rf "$HPROF.hwcache"
awk '$1 == "goheap_retained_total_seconds" { g = $2 } $1 == "visualvm_total_seconds" { v = $2 }
     END { if (g > 0) printf "visualvm_over_goheap %.1f (VisualVM open + retained sizes over goheap dump-to-retained sizes)\n", v / g }' \
	"$OUT/hprof.txt" "$OUT/visualvm.txt"
