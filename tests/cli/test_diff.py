"""goheap diff on real dumps.

  test_diff.py self DUMP   a dump against itself: nothing changes, and every
                           count, byte and retained size equals what
                           histogram and top report for that dump
  test_diff.py versions    the shapes program built by each Go release
                           against the newest: what the program built is
                           the same, the live heap differs by the memstats
                           difference; swapping the dumps negates every delta
  test_diff.py leaky       the leaky program's early and late dumps of one
                           run: the leak (main.Session, main.sessions) is
                           what grew, by the counts the program recorded;
                           skipped (exit 77) while dumps/ has no such pair
"""
import json
import os
import re
import sys

from common import DUMPS, check, equal, finish, manifest, run

SKIP = 77


def diff(old, new, binary, old_binary=None, top=100000):
    args = ["diff", "--json", "-q", "--top", str(top), "--bin", binary]
    if old_binary:
        args += ["--old-bin", old_binary]
    rc, out, err = run(*args, old, new)
    equal(rc, 0, f"goheap diff {os.path.basename(old)} {os.path.basename(new)} exit status ({err.strip()})")
    return json.loads(out) if rc == 0 else None


def path(name):
    return os.path.join(DUMPS, name)


def deltas_consistent(d, what):
    """Every delta is new less old; rows sorted by growth; totals complete."""
    equal(d["live_bytes_delta"], d["new"]["live_bytes"] - d["old"]["live_bytes"], f"{what}: live_bytes_delta")
    equal(d["live_objects_delta"], d["new"]["live_objects"] - d["old"]["live_objects"],
          f"{what}: live_objects_delta")
    equal(len(d["types"]), d["types_total"], f"{what}: every type listed under --top 100000")
    equal(len(d["roots"]), d["roots_total"], f"{what}: every root listed under --top 100000")
    for t in d["types"]:
        for k in ("count", "bytes", "retained"):
            equal(t[f"{k}_delta"], t[f"new_{k}"] - t[f"old_{k}"], f"{what}: {t['type']} {k}_delta")
        for side in ("old", "new"):
            check(t[f"{side}_retained"] >= t[f"{side}_bytes"], f"{what}: {t['type']} retains its own bytes")
            check((t[f"{side}_count"] == 0) == (t[f"{side}_bytes"] == 0), f"{what}: {t['type']} count and bytes")
            check(t[f"{side}_retained"] <= d[side]["live_bytes"], f"{what}: {t['type']} retains at most the heap")
    for r in d["roots"]:
        equal(r["retained_delta"], r["new_retained"] - r["old_retained"], f"{what}: {r['name']} retained_delta")
    growth = [t["bytes_delta"] for t in d["types"]]
    check(growth == sorted(growth, reverse=True), f"{what}: types sorted by growth in bytes")
    growth = [r["retained_delta"] for r in d["roots"]]
    check(growth == sorted(growth, reverse=True), f"{what}: roots sorted by growth in retained bytes")
    # Types partition the live heap; roots of distinct names retain disjoint bytes.
    for side in ("old", "new"):
        equal(sum(t[f"{side}_bytes"] for t in d["types"]), d[side]["live_bytes"], f"{what}: {side} type bytes sum")
        equal(sum(t[f"{side}_count"] for t in d["types"]), d[side]["live_objects"],
              f"{what}: {side} type counts sum")
        check(sum(r[f"{side}_retained"] for r in d["roots"]) <= d[side]["live_bytes"],
              f"{what}: {side} roots retain at most the heap")


def test_self(name):
    entry = next(e for e in manifest() if e["dump"] == name)
    dump, binary = path(entry["dump"]), path(entry["binary"])
    d = diff(dump, dump, binary)
    if d is None:
        return
    deltas_consistent(d, "self")
    equal(d["old"], d["new"], "old and new summaries")
    equal(d["live_bytes_delta"], 0, "live_bytes_delta")
    equal(d["live_objects_delta"], 0, "live_objects_delta")
    for t in d["types"]:
        for k in ("count_delta", "bytes_delta", "retained_delta"):
            equal(t[k], 0, f"{t['type']}: {k}")
    for r in d["roots"]:
        equal(r["retained_delta"], 0, f"{r['name']}: retained_delta")
        equal(r["old_count"], r["new_count"], f"{r['name']}: root count")
    # Equal growth: larger first, then by name.
    sizes = [t["new_bytes"] for t in d["types"]]
    check(sizes == sorted(sizes, reverse=True), "equal growth: types by bytes")

    # Counts and bytes are histogram's, type by type.
    rc, out, err = run("histogram", "--json", "-q", dump, binary)
    equal(rc, 0, f"histogram exit status ({err.strip()})")
    hist = json.loads(out)
    equal(d["new"]["live_objects"], hist["live"]["count"], "live objects as histogram counts them")
    equal(d["new"]["live_bytes"], hist["live"]["bytes"], "live bytes as histogram counts them")
    equal(d["new"]["live_bytes"], entry["facts"]["memstats"]["heap_alloc"], "live bytes: the program's HeapAlloc")
    equal(d["types_total"], hist["types_total"], "types_total as histogram's")
    want = {t["type"]: (t["count"], t["bytes"]) for t in hist["types"]}
    got = {t["type"]: (t["new_count"], t["new_bytes"]) for t in d["types"]}
    equal(got, want, "per-type count and bytes as histogram's")
    # A byte array points at nothing, so it retains exactly itself.
    u8 = next((t for t in d["types"] if t["type"] == "[...]uint8"), None)
    check(u8 is not None and u8["new_retained"] == u8["new_bytes"], "[...]uint8 retains only itself")

    # Roots retain what top says they retain (top lists roots retaining > 0).
    rc, out, err = run("top", "--json", "-q", "--top", "100000", dump, binary)
    equal(rc, 0, f"top exit status ({err.strip()})")
    top = json.loads(out)
    equal(d["new"]["live_bytes"], top["live_bytes"], "live bytes as top's super-root retains them")
    want = {}
    for r in top["retainers"]:
        if r["root"]:
            want[r["name"]] = want.get(r["name"], 0) + r["retained_bytes"]
    got = {r["name"]: r["new_retained"] for r in d["roots"] if r["new_retained"]}
    equal(got, want, "per-root retained bytes as top's")
    check(len(want) >= 10, f"top lists roots: {len(want)}")
    # A type's instances together retain at least what any one of them retains.
    types = {t["type"]: t for t in d["types"]}
    bigger = 0
    for r in top["retainers"]:
        if r["root"] or r["goroutine"]:  # objects only
            continue
        # top names made arrays by length ("[6]uint8"), histogram as "[...]uint8".
        t = types.get(r["type"]) or types.get(re.sub(r"^\[\d+\]", "[...]", r["type"]))
        check(t is not None and t["new_retained"] >= r["retained_bytes"],
              f"type {r['type']} retains at least its instance {r['name']} ({r['retained_bytes']})")
        bigger += r["retained_bytes"] > r["shallow_bytes"]
    check(bigger >= 3, f"top lists objects that retain more than themselves: {bigger}")

    # Root names are roots' names; the count of each is how many roots bear it.
    rc, out, err = run("roots", "--json", "-q", "--top", "100000", dump, binary)
    equal(rc, 0, f"roots exit status ({err.strip()})")
    names = {}
    for r in json.loads(out)["roots"]:
        names[r["name"]] = names.get(r["name"], 0) + 1
    equal({r["name"]: r["new_count"] for r in d["roots"]}, names, "root names and counts as roots prints them")

    # --top N keeps the first N rows of each table, and the text report agrees.
    d3 = diff(dump, dump, binary, top=3)
    if d3:
        equal(d3["types"], d["types"][:3], "--top 3 types")
        equal(d3["roots"], d["roots"][:3], "--top 3 roots")
        equal(d3["types_total"], d["types_total"], "--top 3 types_total")
    rc, out, err = run("diff", "-q", "--top", "3", "--bin", binary, dump, dump)
    equal(rc, 0, f"text diff exit status ({err.strip()})")
    lines = out.splitlines()
    check(lines and lines[0].startswith("live heap:") and "(+0 B)" in lines[0] and "(+0)" in lines[0],
          f"text header: {lines[:1]}")
    for t in d["types"][:3]:
        check(any(line.endswith("  " + t["type"]) for line in lines), f"text lists type {t['type']}")
    for r in d["roots"][:3]:
        check(any(line.endswith("  " + r["name"]) for line in lines), f"text lists root {r['name']}")
    check(f"({d['types_total'] - 3} more types)" in out, "text counts the types left out")


def test_versions():
    entries = [e for e in manifest() if e.get("program", "shapes") == "shapes" and e["goarch"] == "amd64"]
    newest = next(e for e in entries if e["dump"] == "shapes-go1.26.8-amd64.dump.gz")
    nb = newest["facts"]["built"]
    for old in entries:
        if old is newest:
            continue
        what = f"{old['go_version']}{'-pie' if 'pie' in old['dump'] else ''} -> {newest['go_version']}"
        d = diff(path(old["dump"]), path(newest["dump"]), path(newest["binary"]), path(old["binary"]))
        if d is None:
            continue
        deltas_consistent(d, what)
        ob = old["facts"]["built"]
        types = {t["type"]: t for t in d["types"]}
        for tname in ("main.Node", "main.Item", "main.Big"):
            t = types.get(tname)
            check(t is not None, f"{what}: {tname} listed")
            if t:
                equal((t["old_count"], t["new_count"], t["count_delta"]), (ob[tname], nb[tname], nb[tname] - ob[tname]),
                      f"{what}: {tname} counts")
                # The same struct on the same 64-bit target: same slot size.
                equal(t["bytes_delta"], 0, f"{what}: {tname} bytes_delta")
        om, nm = old["facts"]["memstats"]["heap_alloc"], newest["facts"]["memstats"]["heap_alloc"]
        equal((d["old"]["live_bytes"], d["new"]["live_bytes"]), (om, nm), f"{what}: live bytes, the HeapAllocs")
        equal(d["live_bytes_delta"], nm - om, f"{what}: live_bytes_delta")
        roots = {r["name"]: r for r in d["roots"]}
        blob = roots.get("main.Blob")
        check(blob is not None and blob["old_retained"] >= ob["bytes_len"] and blob["retained_delta"] == 0,
              f"{what}: main.Blob retains its 1 MiB array in both")

    # Swapping the dumps swaps old and new and negates every delta.
    old = next(e for e in entries if e["dump"] == "shapes-go1.25.14-amd64.dump.gz")
    fwd = diff(path(old["dump"]), path(newest["dump"]), path(newest["binary"]), path(old["binary"]))
    back = diff(path(newest["dump"]), path(old["dump"]), path(old["binary"]), path(newest["binary"]))
    if fwd and back:
        equal((back["old"]["live_bytes"], back["new"]["live_bytes"]),
              (fwd["new"]["live_bytes"], fwd["old"]["live_bytes"]), "swapped: live bytes")
        equal(back["live_bytes_delta"], -fwd["live_bytes_delta"], "swapped: live_bytes_delta")
        bt = {t["type"]: t for t in back["types"]}
        equal(set(bt), {t["type"] for t in fwd["types"]}, "swapped: the same type names")
        for t in fwd["types"]:
            b = bt.get(t["type"], {})
            for k in ("count", "bytes", "retained"):
                equal((b.get(f"old_{k}"), b.get(f"new_{k}"), b.get(f"{k}_delta")),
                      (t[f"new_{k}"], t[f"old_{k}"], -t[f"{k}_delta"]), f"swapped: {t['type']} {k}")
        br = {r["name"]: r for r in back["roots"]}
        for r in fwd["roots"]:
            b = br.get(r["name"], {})
            equal(b.get("retained_delta"), -r["retained_delta"], f"swapped: {r['name']} retained_delta")

    # Without --old-bin the new binary must also have written the old dump.
    rc, out, err = run("diff", "-q", "--bin", path(newest["binary"]), path(old["dump"]), path(newest["dump"]))
    equal(rc, 1, f"old dump read with the wrong binary: exit status ({err.strip()})")
    check("--old-bin" in err, f"the error suggests --old-bin: {err.strip()!r}")
    rc, out, err = run("diff", "--json", "-q", "--bin", path(newest["binary"]), path(old["dump"]),
                       path(newest["dump"]))
    equal(rc, 1, "--json: wrong binary exit status")
    try:
        e = json.loads(out)["error"]
        equal(e["file"], path(newest["binary"]), "--json error names the binary")
    except (ValueError, KeyError):
        check(False, f"--json error is a JSON error object: {out!r}")
    # Usage and missing files.
    rc, _, err = run("diff", path(old["dump"]), path(newest["dump"]))
    equal(rc, 2, "no --bin: usage error")
    check("--bin" in err, f"no --bin: says so: {err.strip()!r}")
    rc, _, err = run("diff", "--bin", path(newest["binary"]), path(newest["dump"]))
    equal(rc, 2, "one dump: usage error")
    rc, _, err = run("diff", "-q", "--bin", path(newest["binary"]), path("missing.dump"), path(newest["dump"]))
    equal(rc, 3, "missing old dump: exit status 3")
    check("missing.dump" in err, f"missing old dump named: {err.strip()!r}")
    rc, _, err = run("diff", "-q", "--bin", path(newest["binary"]), path(newest["dump"]), path("missing.dump"))
    equal(rc, 3, "missing new dump: exit status 3")


def leaky_facts(entry):
    facts = entry.get("facts")
    if facts:
        return facts
    with open(path(entry["dump"].replace(".dump.gz", ".facts.json"))) as f:
        return json.load(f)


def test_leaky():
    entries = [e for e in manifest()
               if e.get("program") == "leaky" or e.get("facts", {}).get("program") == "leaky"]
    pairs = []
    for early in (e for e in entries if "-early." in e["dump"]):
        late = next((e for e in entries if e["dump"] == early["dump"].replace("-early.", ".")), None)
        if late and os.path.exists(path(early["dump"])) and os.path.exists(path(late["dump"])):
            pairs.append((early, late))
    if not pairs:
        print("SKIP: dumps/MANIFEST lists no leaky early/late pair")
        sys.exit(SKIP)
    for early, late in pairs:
        what = late["dump"].replace(".dump.gz", "")
        ef, lf = leaky_facts(early), leaky_facts(late)
        d = diff(path(early["dump"]), path(late["dump"]), path(late["binary"]), path(early["binary"]), top=100000)
        if d is None:
            continue
        deltas_consistent(d, what)
        types = {t["type"]: t for t in d["types"]}
        for tname in ("main.Session", "main.Event"):
            t = types.get(tname)
            check(t is not None, f"{what}: {tname} listed")
            if t:
                want = lf["built"][tname] - ef["built"][tname]
                equal(t["count_delta"], want, f"{what}: {tname} count_delta, the program's difference")
                equal((t["old_count"], t["new_count"]), (ef["built"][tname], lf["built"][tname]),
                      f"{what}: {tname} counts")
        check(d["roots"] and d["roots"][0]["name"] == "main.sessions",
              f"{what}: the top-growing root is main.sessions: {d['roots'][:1]}")
        # The bounded cache stays the same size; the leak grows.
        cache = next((r for r in d["roots"] if r["name"] == "main.cache"), None)
        sess = next((r for r in d["roots"] if r["name"] == "main.sessions"), None)
        if cache and sess:
            check(abs(cache["retained_delta"]) < sess["retained_delta"] / 10,
                  f"{what}: main.cache grows far less than main.sessions "
                  f"({cache['retained_delta']} vs {sess['retained_delta']})")
        # Just after a GC every allocated byte is live.
        equal(d["live_bytes_delta"], lf["memstats"]["heap_alloc"] - ef["memstats"]["heap_alloc"],
              f"{what}: live_bytes_delta, the HeapAlloc difference")
        equal(d["old"]["live_bytes"], ef["memstats"]["heap_alloc"], f"{what}: old live bytes, its HeapAlloc")
        equal(d["new"]["live_bytes"], lf["memstats"]["heap_alloc"], f"{what}: new live bytes, its HeapAlloc")
        # After the late dump the program let go of each structure in turn and
        # measured how much the heap dropped: that root's retained size.
        for o in lf.get("oracle") or []:
            if o.get("runtime_mallocs") != 0:
                continue  # the runtime allocated meanwhile: the drop is blurred
            if o.get("root"):
                rows = [r for r in d["roots"] if r["name"] == o["root"]]
            else:
                rows = [r for r in d["roots"] if re.fullmatch(
                    rf"goroutine \d+ {re.escape(o['root_frame_func'])}: {re.escape(o['root_var'])}", r["name"])]
            label = o.get("root") or f"{o.get('root_frame_func')}: {o.get('root_var')}"
            check(len(rows) == 1, f"{what}: one root {label}: {[r['name'] for r in rows]}")
            if len(rows) == 1:
                equal(rows[0]["new_retained"], o["heap_alloc_drop"],
                      f"{what}: {label} retains what freeing it released")
        rc, out, err = run("diff", "-q", "--top", "8", "--bin", path(late["binary"]), "--old-bin",
                           path(early["binary"]), path(early["dump"]), path(late["dump"]))
        equal(rc, 0, f"{what}: text diff exit status ({err.strip()})")
        print(out)


mode = sys.argv[1] if len(sys.argv) > 1 else ""
if mode == "self":
    test_self(sys.argv[2])
elif mode == "versions":
    test_versions()
elif mode == "leaky":
    test_leaky()
else:
    print(__doc__)
    sys.exit(2)
finish()
