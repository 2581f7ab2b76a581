"""goheap dot, read back by the real Graphviz.

test_dot.py DUMP     every scope of one dump: the DOT parses and renders
                     (dot -Tsvg), gvpr's node and edge counts are what was
                     asked, sizes and names agree with 'goheap top --json',
                     --around shows the known objects of dumps/MANIFEST with
                     their referrers and pointees by field, --svg and --png
                     give an SVG and a PNG, --all-objects holds every live
                     object and root.
test_dot.py escape   names with quotes, backslashes, markup, bad UTF-8 and
                     control characters, through the library's writer
                     (dot_probe), come out of Graphviz exactly.
test_dot.py errors   usage errors, unknown --around targets, unwritable
                     outputs (exit 3, nothing left behind).
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

from common import DUMPS, GOHEAP, check, equal, finish, manifest, run

SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}"
HIGHLIGHT = "#d50000"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

# Nodes and edges with the attributes tests look at, as gvpr reads the DOT
# (no layout): one line per node, one per edge.
GVPR_DUMP = r'''
N { printf("N\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", $.name, aget($, "goheap_kind"), aget($, "goheap_addr"),
           aget($, "goheap_retained"), aget($, "goheap_shallow"), aget($, "color"), aget($, "shape"),
           aget($, "fillcolor")); }
E { printf("E\t%s\t%s\t%s\n", $.tail.name, $.head.name, aget($, "style")); }
'''
# Counts only, for whole graphs: nodes, edges, non-roots nobody points to.
GVPR_COUNT = r'''
BEG_G { int n = 0; int e = 0; int orphans = 0; }
N { n++; if (indegree == 0 && aget($, "goheap_kind") != "root") orphans++; }
E { e++; }
END_G { printf("%d %d %d\n", n, e, orphans); }
'''


def human(n):
    """goheap's human sizes: "312 B", "1.5 MiB"."""
    units = ["B", "KiB", "MiB", "GiB", "TiB"]
    v, u = float(n), 0
    while v >= 1024 and u < 4:
        v /= 1024
        u += 1
    return f"{n} B" if u == 0 else f"{v:.1f} {units[u]}"


def tool(args, data):
    p = subprocess.run(args, input=data, capture_output=True)
    return p.returncode, p.stdout, p.stderr.decode(errors="replace")


class Picture:
    """A DOT picture as gvpr and dot -Tsvg see it."""

    def __init__(self, dot, what):
        self.what = what
        self.dot = dot.encode() if isinstance(dot, str) else dot
        rc, out, err = tool(["gvpr", GVPR_DUMP], self.dot)
        equal(rc, 0, f"{what}: gvpr reads it ({err.strip()})")
        self.nodes, self.edges = {}, []
        for line in out.decode().splitlines():
            f = line.split("\t")
            if f[0] == "N":
                self.nodes[f[1]] = {"kind": f[2], "addr": f[3], "retained": int(f[4]), "shallow": int(f[5]),
                                    "color": f[6], "shape": f[7], "fill": f[8]}
            elif f[0] == "E":
                self.edges.append((f[1], f[2], f[3]))
        rc, svg, err = tool(["dot", "-Tsvg"], self.dot)
        equal(rc, 0, f"{what}: dot -Tsvg renders it ({err.strip()})")
        self.texts, self.tooltips, self.edge_labels = {}, {}, {}
        try:
            root = ET.fromstring(svg)
        except ET.ParseError as e:
            check(False, f"{what}: dot's SVG parses: {e}")
            return
        for g in root.iter(SVG + "g"):
            cls, title = g.get("class"), g.find(SVG + "title")
            if cls not in ("node", "edge") or title is None:
                continue
            texts = [t.text or "" for t in g.iter(SVG + "text")]
            if cls == "node":
                self.texts[title.text] = texts
                links = [a.get(XLINK + "title") for a in g.iter(SVG + "a")]
                self.tooltips[title.text] = links[0] if links else None
            else:
                tail, head = title.text.split("->")
                self.edge_labels.setdefault((tail, head), []).append(" ".join(texts))

    def indegree(self, n):
        return sum(1 for e in self.edges if e[1] == n)

    def outdegree(self, n):
        return sum(1 for e in self.edges if e[0] == n)

    def by_addr(self, addr):
        return [n for n, a in self.nodes.items() if a["addr"] == addr]

    def name(self, n):
        """The bold first line of a node's label: type or root name."""
        t = self.texts.get(n)
        return t[0] if t else None


def goheap_dot(*args):
    rc, out, err = run("dot", "-q", *args)
    return rc, out, err


def check_names(pic, want_name, what):
    """A label shows the whole name (cut at 96 characters with "...") and the tooltip starts with it."""
    for n, name in want_name.items():
        shown = name if len(name) <= 96 else name[:96] + "..."
        equal(pic.name(n), shown, f"{what}: label name of {n}")
        tip = pic.tooltips.get(n) or ""
        check(tip.startswith(name), f"{what}: tooltip of {n} starts with {name!r}: {tip!r}")


def test_top(dump, binary, entry):
    rc, out, err = goheap_dot(dump, binary)
    equal(rc, 0, f"default scope exit status ({err.strip()})")
    pic = Picture(out, "default scope")
    rc, tout, _ = run("top", "--json", "-q", "--top", "100000", dump, binary)
    retainers = [r for r in json.loads(tout)["retainers"] if not r["goroutine"]][:30]
    check(len(retainers) > 0, "top lists retainers")
    by_addr = {f"0x{r['addr']:x}": r for r in retainers if not r["root"]}
    by_root = {r["name"]: r for r in retainers if r["root"]}
    matched, want_name, extra = 0, {}, []
    for n, a in pic.nodes.items():
        texts = pic.texts.get(n, [])
        if a["kind"] == "root":
            r = by_root.get(pic.name(n))
        else:
            r = by_addr.get(a["addr"])
        if r is None:
            extra.append(n)
            continue
        matched += 1
        want_name[n] = r["name"] if r["root"] else r["type"]
        equal(a["retained"], r["retained_bytes"], f"retained bytes of {r['name']}")
        equal(a["shallow"], r["shallow_bytes"], f"shallow bytes of {r['name']}")
        check(any(f"retained {human(r['retained_bytes'])}" in t for t in texts),
              f"label of {r['name']} shows retained {human(r['retained_bytes'])}: {texts}")
    equal(matched, len(retainers), "top's 30 retainers (goroutines aside) are all nodes")
    for n in extra:
        check(pic.nodes[n]["kind"] == "root", f"a node beyond top's retainers is a root: {n} {pic.name(n)}")
        equal(pic.indegree(n), 0, f"added root {pic.name(n)} has nothing above it")
        check(pic.outdegree(n) >= 1, f"added root {pic.name(n)} has a retainer under it")
    equal(len(pic.nodes), len(retainers) + len(extra), "nodes: top N plus the roots they hang under")
    # The dominator tree between them: a forest, every edge into a retainer.
    for n in pic.nodes:
        check(pic.indegree(n) <= 1, f"{n} hangs under one node at most")
    equal(len(pic.edges), sum(1 for n in pic.nodes if pic.indegree(n) == 1), "one edge per hanging node")
    for t, h, style in pic.edges:
        check(h not in extra, f"edge {t}->{h} leads to a retainer")
        labels = pic.edge_labels.get((t, h), [])
        if style == "dashed":
            check(any(re.fullmatch(r"via \d+ objects?|several paths", l) for l in labels),
                  f"dashed edge {t}->{h} says why: {labels}")
        check(pic.nodes[t]["retained"] >= pic.nodes[h]["retained"],
              f"edge {t}->{h}: a dominator retains at least what it dominates")
    parent = {h: t for t, h, _ in pic.edges}
    for n in pic.nodes:
        path, u = set(), n
        while u in parent and u not in path:
            path.add(u)
            u = parent[u]
        check(u not in path, f"no cycle through {n}")
    check_names(pic, want_name, "default scope")
    # Roots are styled apart from objects: gold octagons; objects are tinted boxes.
    for n, a in pic.nodes.items():
        if a["kind"] == "root":
            equal((a["shape"], a["fill"]), ("octagon", "#ffd54f"), f"root {pic.name(n)} is a gold octagon")
        else:
            check(a["shape"] == "box" and re.fullmatch(r"0\.\d{3} 0\.\d{3} 1\.000", a["fill"]),
                  f"object {n} is a box tinted by type: {a['shape']} {a['fill']}")
    fills = {}
    for n, a in pic.nodes.items():
        if a["kind"] != "root":
            fills.setdefault(pic.name(n), set()).add(a["fill"])
    for name, f in fills.items():
        equal(len(f), 1, f"one colour for type {name}")
    if entry["program"] == "leaky":
        check(by_root.get("main.sessions") is not None and
              any(pic.name(n) == "main.sessions" for n in pic.nodes), "leaky: main.sessions is a node")
    # The same picture into a file, with the --json summary; then as SVG and PNG.
    with tempfile.TemporaryDirectory() as tmp:
        f = os.path.join(tmp, "top.dot")
        rc, jout, err = goheap_dot("--json", "-o", f, dump, binary)
        equal(rc, 0, f"-o --json exit status ({err.strip()})")
        summary = json.loads(jout) if rc == 0 else {}
        equal((summary.get("format"), summary.get("scope")), ("dot", "top"), "--json format and scope")
        equal((summary.get("nodes"), summary.get("edges")), (len(pic.nodes), len(pic.edges)),
              "--json counts equal gvpr's")
        equal(open(f, "rb").read() if os.path.exists(f) else None, pic.dot, "-o writes what stdout gets")
        equal(sorted(os.listdir(tmp)), ["top.dot"], "no temporary file left")
        s = os.path.join(tmp, "top.svg")
        rc, _, err = goheap_dot("--svg", "-o", s, dump, binary)
        equal(rc, 0, f"--svg exit status ({err.strip()})")
        data = open(s, "rb").read() if rc == 0 else b""
        check(data.lstrip().startswith((b"<?xml", b"<svg")), "--svg output starts as an SVG")
        try:
            root = ET.fromstring(data)
            equal(root.tag, SVG + "svg", "--svg root element")
            titles = [g.find(SVG + "title").text for g in root.iter(SVG + "g") if g.get("class") == "node"]
            equal(sorted(titles), sorted(pic.nodes), "--svg shows the nodes of the DOT")
        except ET.ParseError as e:
            check(False, f"--svg output parses as XML: {e}")
        p = os.path.join(tmp, "top.png")
        rc, _, err = goheap_dot("--png", "-o", p, dump, binary)
        equal(rc, 0, f"--png exit status ({err.strip()})")
        data = open(p, "rb").read() if rc == 0 else b""
        equal(data[:8], PNG_MAGIC, "--png output starts with the PNG signature")
        check(len(data) > 1000, f"--png output is a picture ({len(data)} bytes)")
        rc, top5, _ = goheap_dot("--top", "5", dump, binary)
        pic5 = Picture(top5, "--top 5")
        top5_names = retainers[:5]
        found = sum(1 for r in top5_names
                    if (r["root"] and any(pic5.name(n) == r["name"] for n in pic5.nodes))
                    or (not r["root"] and pic5.by_addr(f"0x{r['addr']:x}")))
        equal(found, len(top5_names), "--top 5 shows top's first 5 retainers")
        extra5 = [n for n in pic5.nodes if pic5.nodes[n]["kind"] == "root" and pic5.indegree(n) == 0
                  and not any(r["root"] and r["name"] == pic5.name(n) for r in top5_names)]
        equal(len(pic5.nodes), len(top5_names) + len(extra5), "--top 5: five retainers and their roots")


def known(entry, name):
    for k in entry["facts"].get("known", []):
        if k["name"] == name:
            return k
    return None


def test_around(dump, binary, entry):
    prog = entry["program"]
    if prog == "shapes":
        k, referrer, field, out_field, out_type = known(entry, "Bigs[0]"), "[50]*main.Big", "[0]", r"\.Ptrs\[\d+\]", "main.Node"
        root_name, type_name = "main.Bigs", "main.Big"
    else:
        k, referrer, field, out_field, out_type = (known(entry, "sessions[sess-000000000001]"), None, "map value",
                                                   r"\.(ID|Buf|Events)", None)
        root_name, type_name = "main.sessions", "main.Session"
    check(k is not None, "MANIFEST knows the object")
    addr = k["addr"]
    rc, out, err = goheap_dot("--around", addr, "--depth", "1", dump, binary)
    equal(rc, 0, f"--around {addr} exit status ({err.strip()})")
    pic = Picture(out, f"--around {addr}")
    me = pic.by_addr(addr)
    equal(len(me), 1, f"--around {addr}: the object is a node")
    if not me:
        return
    me = me[0]
    equal(pic.name(me), k["type"], f"--around {addr}: its type")
    equal(pic.nodes[me]["color"], HIGHLIGHT, f"--around {addr}: it is highlighted")
    check(len(pic.nodes) <= 100, f"--around {addr}: at most --max-nodes (100) nodes: {len(pic.nodes)}")
    into = [(t, pic.edge_labels.get((t, me), [])) for t, h, _ in pic.edges if h == me]
    hit = [t for t, labels in into if field in labels and (referrer is None or (pic.name(t) or "").startswith(referrer))]
    check(hit, f"--around {addr}: its referrer {referrer or ''} points to it by {field!r}: "
               f"{[(pic.name(t), l) for t, l in into]}")
    outs = [(h, pic.edge_labels.get((me, h), [])) for t, h, _ in pic.edges if t == me]
    good = [h for h, labels in outs if any(re.fullmatch(out_field, l) for l in labels)
            and (out_type is None or pic.name(h) == out_type)]
    check(good, f"--around {addr}: its pointees by field ({out_field}): {[(pic.name(h), l) for h, l in outs][:8]}")
    if prog == "leaky":
        fields = {l for _, labels in outs for l in labels}
        check({".ID", ".Buf", ".Events"} <= fields, f"--around {addr}: .ID, .Buf and .Events: {fields}")
    # Depth 1: every node is the object or next to it.
    for n in pic.nodes:
        check(n == me or any((t == me and h == n) or (t == n and h == me) for t, h, _ in pic.edges),
              f"--around {addr} --depth 1: {pic.name(n)} is one hop away")

    # A root by name, two hops.
    rc, out, err = goheap_dot("--around", root_name, dump, binary)
    equal(rc, 0, f"--around {root_name} exit status ({err.strip()})")
    pic = Picture(out, f"--around {root_name}")
    roots = [n for n in pic.nodes if pic.name(n) == root_name]
    equal(len(roots), 1, f"--around {root_name}: the root is a node")
    if roots:
        equal(pic.nodes[roots[0]]["kind"], "root", f"--around {root_name}: kind")
        equal(pic.nodes[roots[0]]["color"], HIGHLIGHT, f"--around {root_name}: highlighted")
    check(1 < len(pic.nodes) <= 100, f"--around {root_name}: 2..100 nodes: {len(pic.nodes)}")
    if entry["go_version"].startswith("go1.19") and prog == "leaky":
        names = {pic.name(n) for n in pic.nodes}
        check("hash<string,*main.Session>" in names, f"--around {root_name}: the map header's name, < > intact")

    # A type, capped.
    with tempfile.TemporaryDirectory() as tmp:
        f = os.path.join(tmp, "type.dot")
        rc, out, err = goheap_dot("--around", type_name, "--max-nodes", "10", "--json", "-o", f, dump, binary)
        equal(rc, 0, f"--around {type_name} exit status ({err.strip()})")
        summary = json.loads(out) if rc == 0 else {}
        pic = Picture(open(f, "rb").read() if rc == 0 else b"", f"--around {type_name} --max-nodes 10")
    equal(len(pic.nodes), 10, f"--around {type_name} --max-nodes 10: 10 nodes")
    equal((summary.get("nodes"), summary.get("scope")), (10, "around"), f"--around {type_name}: --json")
    check(summary.get("left_out", 0) > 0, f"--around {type_name}: some left out: {summary}")
    seeds = [n for n in pic.nodes if pic.nodes[n]["color"] == HIGHLIGHT]
    check(1 <= len(seeds) <= 5, f"--around {type_name}: instances fill at most half: {len(seeds)}")
    for n in seeds:
        equal(pic.name(n), type_name, f"--around {type_name}: highlighted nodes are instances")
    check("--max-nodes" in err, f"--around {type_name}: says it stopped: {err.strip()}")


def test_all(dump, binary):
    rc, hout, _ = run("histogram", "--json", "-q", dump, binary)
    live = json.loads(hout)["live"]["count"]
    rc, rout, _ = run("roots", "--json", "-q", dump, binary)
    roots = sum(1 for r in json.loads(rout)["roots"] if r["targets"] > 0)
    with tempfile.TemporaryDirectory() as tmp:
        f = os.path.join(tmp, "all.dot")
        rc, jout, err = goheap_dot("--all-objects", "--json", "-o", f, dump, binary)
        equal(rc, 0, f"--all-objects exit status ({err.strip()})")
        summary = json.loads(jout) if rc == 0 else {}
        data = open(f, "rb").read() if rc == 0 else b""
        rc, out, err = tool(["gvpr", GVPR_COUNT], data)
        equal(rc, 0, f"gvpr reads the whole graph ({err.strip()})")
        n, e, orphans = (int(x) for x in out.split()) if rc == 0 else (0, 0, -1)
        equal(n, live + roots, "--all-objects: every live object and every root that points at one")
        equal(orphans, 0, "--all-objects: every object has a referrer")
        check(e >= live, f"--all-objects: at least an edge per live object: {e} edges")
        equal((summary.get("nodes"), summary.get("edges"), summary.get("scope")), (n, e, "all"),
              "--all-objects --json counts")
        # Too big to lay out: refused, nothing written.
        s = os.path.join(tmp, "all.svg")
        rc, _, err = goheap_dot("--all-objects", "--svg", "-o", s, dump, binary)
        equal(rc, 2, f"--all-objects --svg of {n} nodes is refused")
        check("--max-nodes" in err, f"the refusal names --max-nodes: {err.strip()}")
        check(not os.path.exists(s), "nothing written when refused")
        rc, _, err = goheap_dot("--all-objects", "--max-nodes", "10", "-o", s, dump, binary)
        equal(rc, 2, "--all-objects --max-nodes 10 is refused")
        equal(sorted(os.listdir(tmp)), ["all.dot"], "no temporary file left")


def test_dump(name):
    entry = next((e for e in manifest() if e["dump"] == name), None)
    if entry is None:
        print(f"{name} is not in MANIFEST")
        sys.exit(1)
    dump, binary = os.path.join(DUMPS, entry["dump"]), os.path.join(DUMPS, entry["binary"])
    test_top(dump, binary, entry)
    test_around(dump, binary, entry)
    test_all(dump, binary)


def test_escape():
    probe = os.environ["DOT_PROBE"]
    names = {
        "n1": 'weird"type\\with<angle>&amp\'',
        "n2": "C:\\dir\\",
        "n3": "bad\ufffd\ufffd|\ufffd|\u4e2d",
        "n4": "x" * 96 + "...",
    }
    details = {"n1": "0x10", "n2": 'quote " and \\\u200bN', "n3": "0x30", "n4": "0x40"}
    tips = {
        "n1": 'weird"type\\with<angle>&amp\' at 0x10\nshallow 16 bytes, retained 48 bytes',
        "n2": 'C:\\dir\\ (quote " and \\\u200bN)\nretained 64 bytes',
        "n3": "bad??| |\u4e2d at 0x30\nshallow 8 bytes, retained 8 bytes",
        "n4": "x" * 300 + " at 0x40\nshallow 1048576 bytes, retained 3145728 bytes",
    }
    with tempfile.TemporaryDirectory() as tmp:
        for mode in ("held", "stream", "svg"):
            f = os.path.join(tmp, "p." + mode)
            p = subprocess.run([probe, f, mode], capture_output=True, text=True)
            equal(p.returncode, 0, f"dot_probe {mode} ({p.stderr.strip()})")
            data = open(f, "rb").read() if p.returncode == 0 else b""
            if mode == "svg":
                check(data.startswith(b"<?xml"), "probe SVG starts with <?xml")
                root = ET.fromstring(data)
                texts = {g.find(SVG + "title").text: [t.text for t in g.iter(SVG + "text")]
                         for g in root.iter(SVG + "g") if g.get("class") == "node"}
            else:
                pic = Picture(data, f"probe {mode}")
                texts = pic.texts
                for n, want in tips.items():
                    equal(pic.tooltips.get(n), want, f"probe {mode}: tooltip of {n}")
                equal(pic.edge_labels.get(("n2", "n1")), ['map<"k">\\'], f"probe {mode}: edge label")
                equal(pic.edge_labels.get(("n2", "n3")), ["via 2 objects"], f"probe {mode}: dashed label")
                equal(pic.nodes.get("n2", {}).get("kind"), "root", f"probe {mode}: n2 is a root")
                equal(pic.nodes.get("n4", {}).get("retained"), 3 << 20, f"probe {mode}: exact retained")
                equal((len(pic.nodes), len(pic.edges)), (4, 3), f"probe {mode}: counts")
            for n, want in names.items():
                t = texts.get(n) or [None, None]
                equal(t[0], want, f"probe {mode}: name of {n}")
                equal(t[1], details[n], f"probe {mode}: second line of {n}")
            check(any("retained 3.0 MiB, shallow 1.0 MiB" == x for x in texts.get("n4", [])),
                  f"probe {mode}: sizes line")
        f = os.path.join(tmp, "p.png")
        p = subprocess.run([probe, f, "png"], capture_output=True, text=True)
        equal(p.returncode, 0, f"dot_probe png ({p.stderr.strip()})")
        equal(open(f, "rb").read(8) if p.returncode == 0 else b"", PNG_MAGIC, "probe PNG signature")
        equal(sorted(os.listdir(tmp)), ["p.held", "p.png", "p.stream", "p.svg"], "no temporary files")


def test_errors():
    entry = manifest()[0]
    dump, binary = os.path.join(DUMPS, entry["dump"]), os.path.join(DUMPS, entry["binary"])
    for args, what in [
        (["--svg", "--png"], "--svg with --png"),
        (["--json"], "--json without -o"),
        (["--depth", "2"], "--depth without --around"),
        (["--around", "main.Bigs", "--top", "3"], "--top with --around"),
        (["--around", "main.Bigs", "--all-objects"], "--around with --all-objects"),
        (["--max-nodes", "5"], "--max-nodes without a scope that takes it"),
        (["--around", "main.Bigs", "--max-nodes", "0"], "--max-nodes 0"),
        (["--around"], "--around without a value"),
        (["--bogus"], "an unknown option"),
    ]:
        rc, out, err = goheap_dot(*args, dump, binary)
        equal(rc, 2, f"usage error: {what} ({err.strip()})")
        equal(out, "", f"usage error prints nothing on stdout: {what}")
    rc, _, err = goheap_dot(dump)
    equal(rc, 2, "no BINARY")
    for x in ["no.such.thing", "0x1"]:
        rc, out, err = goheap_dot("--around", x, dump, binary)
        equal(rc, 1, f"--around {x}: exit 1 ({err.strip()})")
        equal(out, "", f"--around {x}: no picture")
    with tempfile.TemporaryDirectory() as tmp:
        missing = os.path.join(tmp, "no", "such", "dir", "x.dot")
        rc, out, err = goheap_dot("-o", missing, dump, binary)
        equal(rc, 3, f"unwritable -o: exit 3 ({err.strip()})")
        check(missing in err, f"the error names the file: {err.strip()}")
        rc, out, err = goheap_dot("--svg", "-o", tmp, dump, binary)
        equal(rc, 3, f"-o a directory: exit 3 ({err.strip()})")
        equal(os.listdir(tmp), [], "nothing left behind")
        rc, out, err = goheap_dot("--json", "-o", missing, dump, binary)
        equal(rc, 3, "--json unwritable -o: exit 3")
        doc = json.loads(out) if out.strip() else {}
        check("error" in doc, f"--json: the error as JSON: {out.strip()}")
    if os.path.exists("/dev/full"):
        rc, out, err = goheap_dot("-o", "/dev/full", dump, binary)
        equal(rc, 3, f"-o /dev/full: exit 3 ({err.strip()})")
        check("/dev/full" in err, f"the write error names the file: {err.strip()}")


what = sys.argv[1] if len(sys.argv) > 1 else ""
if what == "escape":
    test_escape()
elif what == "errors":
    test_errors()
else:
    test_dump(what)
finish()
