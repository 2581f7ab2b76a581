#!/usr/bin/env bash
# make-bigdump.sh [OUTDIR] [OBJECTS]: build tools/bench/bigheap and write a
# benchmark heap dump (not committed data) of OBJECTS heap objects (default
# 10000000) into OUTDIR (default build/bench/OBJECTS/):
#   OUTDIR/bigheap.bin         the binary that wrote the dump (DWARF kept)
#   OUTDIR/bigheap.dump        the heap dump (about 100 bytes an object: ~1 GB for 10M)
#   OUTDIR/bigheap.facts.json  facts printed by the program
# GO (default: go) and GOTOOLCHAIN are honoured.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OBJECTS=${2:-10000000}
OUT=${1:-$ROOT/build/bench/$OBJECTS}
GO=${GO:-go}

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
(cd "$ROOT/tools/bench/bigheap" && CGO_ENABLED=0 GOFLAGS=-buildvcs=false "$GO" build -trimpath -o "$OUT/bigheap.bin" .)
"$OUT/bigheap.bin" "$OUT/bigheap.dump.tmp" "$OBJECTS" >"$OUT/bigheap.facts.json.tmp"
if ! cmp -s -n 16 "$OUT/bigheap.dump.tmp" <(printf 'go1.7 heap dump\n'); then
	echo "make-bigdump: $OUT/bigheap.dump.tmp does not start with the heap dump header" >&2
	exit 1
fi
mv -f "$OUT/bigheap.dump.tmp" "$OUT/bigheap.dump"
mv -f "$OUT/bigheap.facts.json.tmp" "$OUT/bigheap.facts.json"
python3 - "$OUT/bigheap.facts.json" "$OUT/bigheap.dump" <<'PYEOF'
import json, os, sys
f = json.load(open(sys.argv[1]))
m, b = f["memstats"], f["built"]
print("bigheap: %s %s: dump %s (%d bytes), heap_objects %d, heap_alloc %d, build %d ms, dump %d ms" % (
    f["go_version"], f["goarch"], sys.argv[2], os.path.getsize(sys.argv[2]),
    m["heap_objects"], m["heap_alloc"], b["build_ms"], b["dump_ms"]))
PYEOF
