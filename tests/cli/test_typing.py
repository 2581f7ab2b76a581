"""Typed graph fidelity on one committed dump, against what the Go program
that wrote it recorded: typed coverage, exact histogram counts of the
types it built, and the exact type of every object whose address it
recorded."""
import json
import os
import re
import sys

from common import DUMPS, check, equal, finish, manifest, run

name = sys.argv[1]
entry = next(e for e in manifest() if e["dump"] == name)
facts = entry["facts"]
built = facts["built"]
program = facts["program"]
dump = os.path.join(DUMPS, entry["dump"])
binary = os.path.join(DUMPS, entry["binary"])


def goheap_json(*args):
    rc, out, err = run(*args, "--json", "-q")
    equal(rc, 0, f"goheap {' '.join(args[:1])} exit status ({err.strip()})")
    return json.loads(out) if rc == 0 else {}


# Coverage: at least 98 % of live bytes typed.
info = goheap_json("info", dump, binary)
ty = info.get("typing", {})
print(f"typed: {ty.get('typed_count_percent')} % of live objects, {ty.get('typed_bytes_percent')} % of live bytes")
check(ty.get("typed_bytes", 0) * 100 >= 98 * ty.get("live_bytes", 1),
      f"typed bytes {ty.get('typed_bytes')} >= 98 % of live bytes {ty.get('live_bytes')}")
equal(ty.get("live_count"), facts["memstats"]["heap_objects"], "every allocated object is live (just after GC)")

# Exact counts of what the program built and keeps alive.
hist = goheap_json("histogram", dump, binary)
counts = {row["type"]: row["count"] for row in hist.get("types", [])}
minor = int(facts["go_version"].split(".")[1])

# Objects the program recorded by address have exactly its type.
for k in facts["known"]:
    shown = goheap_json("show", dump, binary, k["addr"])
    equal(shown.get("type"), k["type"], f"type of {k['name']} at {k['addr']}")
    check(shown.get("typed") is True, f"{k['name']} has a Go type")
    if shown.get("addr") is not None:
        equal(shown["addr"], int(k["addr"], 16), f"{k['name']}: value address after any malloc header")


def check_leaky():
    """The leaky program: its sessions, events, cache entries and jobs."""
    for tname in ("main.Session", "main.Event", "main.Job"):
        equal(counts.get(tname, 0), built[tname], f"histogram count of {tname}")
    # The LRU cache: one list element and one entry per cached key.
    equal(counts.get("container/list.Element", 0), built["cache_entries"], "histogram count of list elements")
    equal(counts.get("main.entry", 0), built["cache_entries"], "histogram count of main.entry")
    if minor <= 23:
        check(counts.get("[...]bucket<string,*main.Session>", 0) >= 1, "classic map bucket array of main.sessions")
    else:
        check(counts.get("[...]noalg.map.group[string]*main.Session", 0) >= 1, "swiss map groups of main.sessions")
    # The first session: Session{Seq: first_seq, ID: "sess-000000000001", ...}.
    sess = next(k for k in facts["known"] if k["type"] == "main.Session")
    fields = {f["name"]: f["value"] for f in goheap_json("show", dump, binary, sess["addr"]).get("fields", [])}
    equal(fields.get("Seq"), str(built["first_seq"]), "Session.Seq as show prints it")
    check('"sess-%012d"' % built["first_seq"] in (fields.get("ID") or ""),
          f"Session.ID as show prints it: {fields.get('ID')}")
    # Roots: the leak is a global, the batch a local variable of the worker's frame.
    roots = goheap_json("roots", dump, binary)
    named = {r["name"]: r for r in roots.get("roots", [])}
    s = named.get("main.sessions")
    check(s is not None and s["reachable_objects"] >= built["main.Session"] + built["main.Event"],
          "main.sessions reaches every session and event")
    check("main.cache" in named and "main.config" in named, "main.cache and main.config are named roots")
    batch = [r for n, r in named.items() if re.fullmatch(r"goroutine \d+ main\.worker: batch", n)]
    equal(len(batch), 1, "one frame-variable root 'goroutine N main.worker: batch'")
    check(batch and batch[0]["reachable_objects"] >= built["main.Job"] + 1,
          "the worker's batch reaches its backing array and every job")


def check_shapes():
    """The shapes program: its list, map, slices, channel and fields."""
    for tname in ("main.Node", "main.Item", "main.Big", "main.StackOnly"):
        equal(counts.get(tname, 0), built[tname], f"histogram count of {tname}")

    # Maps: classic buckets up to Go 1.23, swiss tables and groups from 1.24;
    # channels: hchan<T> with a separate [cap]T buffer when T has pointers.
    if minor <= 23:
        check(counts.get("hash<string,*main.Item>", 0) >= 1, "classic map header hash<string,*main.Item>")
        check(counts.get("[...]bucket<string,*main.Item>", 0) >= 1, "classic map bucket array")
    else:
        check(counts.get("internal/runtime/maps.Map", 0) >= 1, "swiss map header")
        check(counts.get("[...]noalg.map.group[string]*main.Item", 0) >= 1, "swiss map group array")
        check(counts.get("internal/runtime/maps.table", 0) >= 1, "swiss map table")
    equal(counts.get("hchan<*main.Item>"), 1, "the channel header")
    buf = goheap_json("objects", dump, binary, "--type", f"[{built['chan_cap']}]*main.Item")
    equal(buf.get("count"), 1, "the channel's buffer")

    # Field values, read in the target's byte order: the map's first item was
    # made as Item{ID: first_item_id, Score: float64(first_item_id) / 3}.
    item = next(k for k in facts["known"] if k["type"] == "main.Item")
    fields = {f["name"]: f["value"] for f in goheap_json("show", dump, binary, item["addr"]).get("fields", [])}
    equal(fields.get("ID"), str(built["first_item_id"]), "Item.ID as show prints it")
    check(abs(float(fields.get("Score", "nan")) - built["first_item_id"] / 3) < 1e-9,
          f"Item.Score as show prints it: {fields.get('Score')}")

    # The slice of 1000 points is one [1000]main.Point backing array.
    objs = goheap_json("objects", dump, binary, "--type", f"[{built['main.Point_elems']}]main.Point")
    equal(objs.get("count"), 1, "one backing array of the Points slice")

    # The 500-entry map: its keys and values are reachable from main.ItemMap.
    roots = goheap_json("roots", dump, binary)
    named = {r["name"]: r for r in roots.get("roots", [])}
    check("main.ItemMap" in named, "main.ItemMap is a named root")
    check("main.ListHead" in named and named["main.ListHead"]["reachable_objects"] >= built["main.Node"],
          "main.ListHead reaches the whole list")


if program == "leaky":
    check_leaky()
else:
    check_shapes()
finish()
