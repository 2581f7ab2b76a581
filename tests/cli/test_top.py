"""goheap top on one committed dump: retained sizes checked against the
structures the Go program built (their own sizes, from its recorded facts)
and against the live heap, which the super-root of the dominator tree
must retain exactly."""
import json
import os
import re
import sys

from common import DUMPS, check, equal, finish, manifest, run

name = sys.argv[1]
entry = next(e for e in manifest() if e["dump"] == name)
facts = entry["facts"]
built = facts["built"]
dump = os.path.join(DUMPS, entry["dump"])
binary = os.path.join(DUMPS, entry["binary"])

rc, out, err = run("top", "--json", "-q", "--top", "200", dump, binary)
equal(rc, 0, f"goheap top exit status ({err.strip()})")
top = json.loads(out)
# Right after the program's GC every allocated byte is live.
equal(top["live_bytes"], facts["memstats"]["heap_alloc"], "live bytes retained by the super-root")
by_name = {r["name"]: r for r in top["retainers"]}
sizes = [r["retained_bytes"] for r in top["retainers"]]
check(sizes == sorted(sizes, reverse=True), "retainers sorted by retained size")
for r in top["retainers"]:
    check(r["retained_bytes"] >= r["shallow_bytes"], f"{r['name']}: retained >= shallow")
    check(0 < r["percent_of_live"] <= 100, f"{r['name']}: percent of live")
    if r["goroutine"]:  # all of one goroutine's roots together: no single path
        check(r["path"] == [] and r["name"].startswith("goroutine "), f"{r['name']}: a goroutine")
        continue
    check(r["path"] and not r["path"][0].startswith("0x"), f"{r['name']}: path starts at a named root")

known = {k["name"]: k for k in facts["known"]}


def check_leaky():
    """The planted leak tops the list; the healthy structures retain what
    the program put in them."""
    first = top["retainers"][0] if top["retainers"] else {}
    equal(first.get("name"), "main.sessions", "the biggest retainer is the leak")
    check(first.get("percent_of_live", 0) > 50,
          f"main.sessions retains over half the heap: {first.get('percent_of_live')} %")
    sess = known["sessions[sess-000000000001]"]
    check(first.get("retained_bytes", 0) >= built["main.Session"] * sess["size"] + built["session_buf_bytes"],
          "main.sessions retains every session and its buffer")
    cache = by_name.get("main.cache")
    check(cache is not None and cache["retained_bytes"] >= built["cache_entries"] * built["cache_value_len"],
          "main.cache retains its cached values")
    batch = [r for r in top["retainers"] if re.fullmatch(r"goroutine \d+ main\.worker: batch", r["name"])]
    check(len(batch) == 1 and batch[0]["retained_bytes"] >= built["main.Job"] * known["batch[0]"]["size"],
          "the worker's frame variable batch retains its jobs")


def check_shapes():
    # main.Blob alone holds the 1 MiB byte slice.
    blob = by_name.get("main.Blob")
    check(blob is not None and blob["retained_bytes"] >= built["bytes_len"], "main.Blob retains its 1 MiB array")
    # The list's first 500 nodes are also the Owners of the 500 map items, so
    # no root dominates them; the node after the last shared one alone holds
    # the remaining 9500 nodes (each at least its Go size).
    unshared = built["main.Node"] - built["map_entries"]
    nodes = [r for r in top["retainers"] if r.get("type") == "main.Node"]
    check(nodes and nodes[0]["retained_bytes"] >= unshared * known["ListHead"]["size"],
          f"a main.Node retains the {unshared} unshared nodes of the list")
    # main.Bigs holds 50 structs of more than 512 bytes.
    bigs = by_name.get("main.Bigs")
    check(bigs is not None and bigs["retained_bytes"] >= built["main.Big"] * known["Bigs[0]"]["size"],
          "main.Bigs retains its 50 Big structs")


if facts["program"] == "leaky":
    check_leaky()
else:
    check_shapes()
finish()
