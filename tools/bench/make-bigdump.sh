#!/usr/bin/env bash
# make-bigdump.sh [OUTDIR] [OBJECTS]: build tools/bench/bigheap and write a
# benchmark heap dump (not committed data) into OUTDIR (default build/bench/):
#   OUTDIR/bigheap.bin         the binary that wrote the dump (DWARF kept)
#   OUTDIR/bigheap.dump        the heap dump (several hundred MB for 5M objects)
#   OUTDIR/bigheap.facts.json  facts printed by the program
# OBJECTS defaults to 5000000. GO (default: go) and GOTOOLCHAIN are honoured.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OUT=${1:-$ROOT/build/bench}
OBJECTS=${2:-5000000}
GO=${GO:-go}

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
(cd "$ROOT/tools/bench/bigheap" && CGO_ENABLED=0 GOFLAGS=-buildvcs=false "$GO" build -trimpath -o "$OUT/bigheap.bin" .)
"$OUT/bigheap.bin" "$OUT/bigheap.dump" "$OBJECTS" >"$OUT/bigheap.facts.json.tmp"
mv -f "$OUT/bigheap.facts.json.tmp" "$OUT/bigheap.facts.json"
if ! cmp -s -n 16 "$OUT/bigheap.dump" <(printf 'go1.7 heap dump\n'); then
	echo "make-bigdump: $OUT/bigheap.dump does not start with the heap dump header" >&2
	exit 1
fi
python3 - "$OUT/bigheap.facts.json" "$OUT/bigheap.dump" <<'PYEOF'
import json, os, sys
f = json.load(open(sys.argv[1]))
m, b = f["memstats"], f["built"]
print("bigheap: %s %s: dump %s (%d bytes), heap_objects %d, heap_alloc %d, build %d ms, dump %d ms" % (
    f["go_version"], f["goarch"], sys.argv[2], os.path.getsize(sys.argv[2]),
    m["heap_objects"], m["heap_alloc"], b["build_ms"], b["dump_ms"]))
PYEOF
