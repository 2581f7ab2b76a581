"""goheap's retained sizes against a Go-runtime oracle. After writing its
main dump the leaky program released each of three roots in turn (the
global main.sessions, the global main.cache, the local variable batch of
main.worker's frame), collected garbage twice after each, and recorded how
much runtime.MemStats.HeapAlloc dropped (dumps/MANIFEST, facts "oracle").
The three structures share no object, so each drop is the number of bytes
only that root kept alive: what goheap top must report as its retained size.

Prints goheap's number, the drop and their difference for every root, and
fails if they differ by more than 2 % of the drop."""
import json
import os
import re
import sys

from common import DUMPS, check, equal, finish, manifest, run

TOLERANCE = 0.02

name = sys.argv[1]
entry = next(e for e in manifest() if e["dump"] == name)
facts = entry["facts"]
oracle = facts.get("oracle") or []
dump = os.path.join(DUMPS, entry["dump"])
binary = os.path.join(DUMPS, entry["binary"])
check(oracle, "the facts hold an oracle")

rc, out, err = run("top", "--json", "-q", "--top", "100000", dump, binary)
equal(rc, 0, f"goheap top exit status ({err.strip()})")
top = json.loads(out) if rc == 0 else {"live_bytes": 0, "retainers": []}
roots = [r for r in top["retainers"] if r["root"]]
heap_alloc = facts["memstats"]["heap_alloc"]
equal(top["live_bytes"], heap_alloc, "live bytes: HeapAlloc at the dump")
if oracle:
    # Nothing was allocated between the dump and the oracle's first reading.
    equal(oracle[0]["heap_alloc_before"], heap_alloc, "the oracle starts from the dump's HeapAlloc")

print(f"{entry['dump']}: live heap {heap_alloc} B")
print(f"  {'root':<40} {'goheap':>10} {'drop':>10} {'diff':>8} {'diff %':>9}  runtime mallocs")
total = 0
for o in oracle:
    if o.get("root"):
        what = o["root"]
        found = [r for r in roots if r["name"] == what]
    else:
        what = f"goroutine N {o['root_frame_func']}: {o['root_var']}"
        pat = re.compile(r"goroutine \d+ %s: %s" % (re.escape(o["root_frame_func"]), re.escape(o["root_var"])))
        found = [r for r in roots if pat.fullmatch(r["name"])]
    equal(len(found), 1, f"{what}: one root of that name in goheap top")
    drop = o["heap_alloc_drop"]
    check(drop > 0, f"{what}: releasing it lowered HeapAlloc ({drop})")
    if not found:
        continue
    got = found[0]["retained_bytes"]
    total += got
    diff = got - drop
    pct = 100.0 * diff / drop if drop else float("inf")
    print(f"  {found[0]['name']:<40} {got:>10} {drop:>10} {diff:>+8} {pct:>+8.4f}%  {o.get('runtime_mallocs')}")
    check(abs(diff) <= TOLERANCE * drop,
          f"{what}: goheap retains {got} B, releasing it dropped HeapAlloc by {drop} B "
          f"({pct:+.3f} %, over {TOLERANCE:.0%})")
    # Bytes freed (TotalAlloc - HeapAlloc) are immune to what the runtime
    # itself allocated during the step; the program counts those mallocs.
    if "freed_bytes" in o and o["freed_bytes"] != drop:
        print(f"    freed {o['freed_bytes']} B ({o['freed_bytes'] - got:+d} against goheap), "
              f"{o.get('runtime_mallocs')} runtime allocations during the step")
check(total <= heap_alloc, "the released roots retain at most the heap")

# The leak is the biggest retainer of all.
first = top["retainers"][0]["name"] if top["retainers"] else None
equal(first, "main.sessions", "the biggest retainer")

finish()
