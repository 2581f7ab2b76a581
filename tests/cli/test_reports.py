"""goheap leaks, tree and path on one committed dump, checked against what
the Go program that wrote it built and recorded (dumps/MANIFEST facts):
object counts, sizes and addresses, never output copied from goheap."""
import json
import os
import sys

from common import DUMPS, check, equal, finish, manifest, run

name = sys.argv[1]
entry = next(e for e in manifest() if e["dump"] == name)
facts = entry["facts"]
built = facts["built"]
known = {k["name"]: k for k in facts.get("known", [])}
dump = os.path.join(DUMPS, entry["dump"])
binary = os.path.join(DUMPS, entry["binary"])
live = facts["memstats"]["heap_alloc"]  # right after the program's GC, every byte is live


def goheap_json(*args):
    rc, out, err = run(*args, "--json", "-q")
    equal(rc, 0, f"goheap {args[0]} exit status ({err.strip()})")
    return json.loads(out) if rc == 0 else {}


def path_to(addr, *extra):
    return goheap_json("path", *extra, dump, binary, addr)


# ---- tree: the top's children partition the live heap ----------------------
tree = goheap_json("tree", "--depth", "2", dump, binary)
equal(tree.get("live_bytes"), live, "tree: live bytes = the program's HeapAlloc")
top = tree["tree"][0]
equal(top["kind"], "all", "tree: the top is all live objects")
equal(top["retained_bytes"], live, "tree: the top retains the live heap")
kids = top["children"]
equal(sum(k["retained_bytes"] for k in kids), live, "tree: the top's children (nodes, groups, the rest) sum to it")
sizes = [k["retained_bytes"] for k in kids if k["kind"] != "more"]
check(sizes == sorted(sizes, reverse=True), "tree: children biggest first")
check(sum(k["kind"] == "more" for k in kids) <= 1, "tree: one 'more' line at most")
for k in kids:
    if k["kind"] in ("root", "object"):
        below = sum(c["retained_bytes"] for c in k["children"])
        check(below <= k["retained_bytes"] - k["shallow_bytes"], f"tree: {k['name']}: children within it")

# ---- histogram --retained: per-type retained sizes -------------------------
hist = goheap_json("histogram", "--retained", dump, binary)
rows = hist.get("types", [])
equal(sum(r["bytes"] for r in rows), live, "histogram: type bytes sum to the live heap")
for r in rows:
    check(r["retained_bytes"] >= r["bytes"], f"histogram: {r['type']} retains at least its own bytes")
    check(r["retained_bytes"] <= live, f"histogram: {r['type']} retains at most the live heap")
    if r["type"] == "[...]uint8":  # byte arrays hold no pointers: they retain exactly themselves
        equal(r["retained_bytes"], r["bytes"], "histogram: [...]uint8 retains its own bytes")
order = [r["retained_bytes"] for r in rows]
check(order == sorted(order, reverse=True), "histogram --retained sorts by retained")

# ---- leaks: a goroutine whose frames together pass the threshold ------------
retainers = goheap_json("top", "--top", "100000", dump, binary).get("retainers", [])
for g in [r for r in retainers if r["goroutine"]][:1]:
    goid = g["name"].split()[1]
    own = [r["retained_bytes"] for r in retainers if r["root"] and r["name"].startswith(f"goroutine {goid} ")]
    biggest = max(own, default=0)
    check(biggest < g["retained_bytes"], f"top: goroutine {goid} retains more than any one of its roots")
    # a threshold between its biggest root and its total: the goroutine, not a root of it, is the suspect
    pct = 100.0 * (biggest + g["retained_bytes"]) / 2 / live
    found = [x for x in goheap_json("leaks", "--threshold", f"{pct:.6f}", "--top", "1000", dump, binary)["suspects"]
             if x["kind"] == "goroutine" and x["name"] == f"goroutine {goid}"]
    equal([x["retained_bytes"] for x in found], [g["retained_bytes"]], f"leaks: goroutine {goid} as a suspect")
    for x in found:
        check(all(r["retained_bytes"] * 100.0 < pct * live for r in x["roots"]), "leaks: none of its roots alone")

# ---- per program ------------------------------------------------------------
if facts["program"] == "shapes":
    ptr = facts["ptr_size"]
    by_name = {k.get("name") or k.get("type"): k for k in kids}
    # main.Blob holds the 1 MiB array alone (1 MiB is a whole number of pages: no rounding).
    equal(by_name.get("main.Blob", {}).get("retained_bytes"), built["bytes_len"], "tree: main.Blob retains its array")
    # Items own the first 500 list nodes: each is shared by an item and its
    # predecessor, so 500 nodes sit right under the top, as one group.
    groups = [k for k in kids if k["kind"] == "group" and k["type"] == "main.Node"]
    equal(len(groups), 1, "tree: one group of main.Node under the top")
    if groups:
        equal(groups[0]["count"], built["main.Item_map"], "tree: shared list nodes = items that own one")

    leaks = goheap_json("leaks", dump, binary)
    sus = leaks.get("suspects", [])
    check(len(sus) >= 2, f"leaks: two suspects at least ({len(sus)})")
    if len(sus) >= 2:
        equal((sus[0]["kind"], sus[0]["name"]), ("root", "main.Blob"), "leaks: the biggest suspect")
        equal(sus[0]["retained_bytes"], built["bytes_len"], "leaks: main.Blob retains the 1 MiB blob")
        equal(sus[0]["accumulation_point"]["type"], known["Blob"]["type"], "leaks: main.Blob accumulates in its array")
        equal(sus[0]["accumulation_point"]["addr"], int(known["Blob"]["addr"], 16), "leaks: the array's address")
        # The node after the last shared one is the head of the unshared
        # rest of the list: it keeps the other 9,500 nodes.
        equal((sus[1]["kind"], sus[1]["accumulation_point"]["type"]), ("object", "main.Node"),
              "leaks: second suspect is a list node")
        nodes = {r["type"]: r for r in sus[1]["made_of"]}.get("main.Node", {})
        equal(nodes.get("count"), built["main.Node"] - built["main.Item_map"] + 1,
              "leaks: the list's unshared nodes and their head")
        steps = sus[1]["accumulation_point"]["path"]
        check(steps and not steps[0]["root"].startswith("0x"), "leaks: path from a named root")
        check(steps and steps[-1]["addr"] == sus[1]["accumulation_point"]["addr"], "leaks: path ends at the point")
    for s in sus:
        check(s["retained_bytes"] >= live * 0.10, f"leaks: {s['name']} over the 10% threshold")

    # path: steps named by field, ending at the very objects the program recorded.
    p = path_to(known["ListHead"]["addr"])["paths"][0]["path"]
    equal([s.get("root") for s in p[:1]] + [s["addr"] for s in p[1:]],
          ["main.ListHead", int(known["ListHead"]["addr"], 16)], "path: ListHead is one step from its global")
    p = path_to(known["Bigs[0]"]["addr"])["paths"][0]["path"]
    equal(p[0]["root"], "main.Bigs", "path: Bigs[0] from main.Bigs")
    equal((p[-1]["field"], p[-1]["type"], p[-1]["addr"]), ("[0]", "main.Big", int(known["Bigs[0]"]["addr"], 16)),
          "path: Bigs[0] is element [0] of the slice's array")
    allp = path_to(known["ItemMap[item-0000]"]["addr"], "--all")
    via_map = [q["path"] for q in allp["paths"] if q["path"][0]["root"] == "main.ItemMap"]
    check(via_map, "path --all: a path from main.ItemMap")
    for q in via_map:
        equal((q[-1]["field"], q[-1]["addr"]), ("map value", int(known["ItemMap[item-0000]"]["addr"], 16)),
              "path: the item is a map value")
    inner = [tuple(s["addr"] for s in q["path"][1:-1]) for q in allp["paths"]]
    flat = [a for t in inner for a in t]
    equal(len(flat), len(set(flat)), "path --all: paths share no object between root and target")
    bytype = goheap_json("path", "--all", "--limit", "3", dump, binary, "main.Big")
    equal(bytype.get("targets"), built["main.Big"], "path: instances of main.Big")
    equal(len(bytype.get("paths", [])), 3, "path --all --limit 3")
    ends = [q["path"][-1]["addr"] for q in bytype.get("paths", [])]
    equal(len(set(ends)), len(ends), "path by type --all: each path to another instance")
    check(all(q["path"][-1]["field"].startswith("[") for q in bytype.get("paths", [])),
          "path: main.Bigs elements named by index")

elif facts["program"] == "leaky":
    leaks = goheap_json("leaks", dump, binary)
    sus = leaks.get("suspects", [])
    check(sus, "leaks: a suspect")
    if sus:
        s = sus[0]
        equal((s["kind"], s["name"]), ("root", "main.sessions"), "leaks: the planted leak is the top suspect")
        acc = s["accumulation_point"]
        check(acc["type"] in ("internal/runtime/maps.Map",) or acc["type"].startswith("hash<"),
              f"leaks: accumulates in the map ({acc['type']})")
        equal(acc["path"][0]["root"], "main.sessions", "leaks: held by main.sessions")
        kept = {r["type"]: r for r in s["keeps_alive"]}
        equal(kept.get("main.Session", {}).get("count"), built["main.Session"], "leaks: the map holds every session")
        made = {r["type"]: r for r in s["made_of"]}
        equal(made.get("main.Event", {}).get("count"), built["main.Event"], "leaks: every event is inside")
    p = path_to(known["sessions[sess-000000000001]"]["addr"])["paths"][0]["path"]
    equal((p[0]["root"], p[-1]["field"]), ("main.sessions", "map value"), "path: a session is a map value of main.sessions")
    p = path_to(known["batch[0]"]["addr"])["paths"][0]["path"]
    check(p[0]["root"].endswith("main.worker: batch"), f"path: batch[0] from the worker's frame ({p[0]['root']})")
    # The batch's array is typed from the frame variable where DWARF locates
    # it at the blocked pc (Go 1.26; not Go 1.19/1.22, whose location lists
    # leave it out there): then the step is named by index.
    if p[-2].get("type", "").startswith("["):
        equal(p[-1]["field"], "[0]", "path: batch[0] is element [0]")

finish()
