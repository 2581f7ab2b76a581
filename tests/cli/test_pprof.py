"""goheap pprof on one committed dump, checked with the real consumer,
`go tool pprof`: it reads the profile; the four sample types are there,
inuse_space the default; the inuse totals are the program's own live heap
(memstats HeapAlloc and HeapObjects) and goheap's, and so are the
retained totals; for every named global that `goheap top` lists, the
cumulative value pprof reports for its frame is the retained size goheap
reports, under inuse_space (cum) and retained_space (flat); the stacks
start at named roots. For the leaky program's late dump, -diff_base
against its early dump shows main.sessions growing by what goheap says it
grew. Bad outputs: no -o, an unwritable path, a write failing half way
(a file size limit): the documented exit status and nothing left behind.

Exit 77 (skipped) when no Go toolchain is found; GO_FOR_TEST names one to use."""
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile

from common import DUMPS, GOHEAP, check, equal, finish, manifest, run

SKIP = 77
TYPES = ["retained_objects", "retained_space", "inuse_objects", "inuse_space"]


def find_go():
    for go in (os.environ.get("GO_FOR_TEST"), shutil.which("go"), "/usr/local/go/bin/go", "/usr/lib/go/bin/go", "/usr/lib/go-1.19/bin/go"):
        if go and os.access(go, os.X_OK):
            return go
    return None


GO = find_go()
if not GO:
    print("no Go toolchain: go tool pprof is needed")
    sys.exit(SKIP)
tmp = tempfile.mkdtemp(prefix="goheap-pprof-")
env = dict(os.environ, PPROF_TMPDIR=tmp, GOTOOLCHAIN="local")


def pprof(*args):
    """Run go tool pprof; return (exit code, stdout, stderr)."""
    p = subprocess.run([GO, "tool", "pprof", *args], capture_output=True, text=True, env=env)
    return p.returncode, p.stdout, p.stderr


def export(entry, name):
    out = os.path.join(tmp, name)
    rc, text, err = run("pprof", "--json", "-q", "-o", out, os.path.join(DUMPS, entry["dump"]),
                        os.path.join(DUMPS, entry["binary"]))
    equal(rc, 0, f"goheap pprof {entry['dump']} exit status ({err.strip()})")
    return out, json.loads(text) if rc == 0 else {}


def raw_samples(path):
    """go tool pprof -raw: the sample types and every sample's values."""
    rc, out, err = pprof("-raw", path)
    equal(rc, 0, f"go tool pprof -raw reads the profile ({err.strip()[:300]})")
    lines = out.splitlines()
    types, samples = [], []
    if "Samples:" in lines:
        i = lines.index("Samples:") + 1
        types = lines[i].split()
        for line in lines[i + 1:]:
            m = re.match(r"^\s*([-\d\s]+):\s*([\d\s]*)$", line)
            if not m:
                break
            samples.append([int(v) for v in m.group(1).split()])
    return types, samples


def top(path, index, *extra):
    """go tool pprof -top with exact units: {name: (flat, cum)} and the total."""
    rc, out, err = pprof("-top", "-unit=B", "-nodefraction=0", "-nodecount=1000000",
                         f"-sample_index={index}", *extra, path)
    equal(rc, 0, f"go tool pprof -top -sample_index={index} {' '.join(extra)} ({err.strip()[:300]})")
    rows, total = {}, None
    m = re.search(r"of (-?\d+)B? total", out)
    if m:
        total = int(m.group(1))
    for line in out.splitlines():
        m = re.match(r"^\s*(-?\d+)B?\s+\S+%\s+\S+%\s+(-?\d+)B?\s+\S+%\s+(.*)$", line)
        if m:
            rows[m.group(3)] = (int(m.group(1)), int(m.group(2)))
    return rows, total


def goheap_top(entry):
    rc, out, err = run("top", "--json", "-q", "--top", "100000", os.path.join(DUMPS, entry["dump"]),
                       os.path.join(DUMPS, entry["binary"]))
    equal(rc, 0, f"goheap top exit status ({err.strip()})")
    return json.loads(out) if rc == 0 else {"retainers": [], "live_bytes": None}


name = sys.argv[1]
entry = next(e for e in manifest() if e["dump"] == name)
facts = entry["facts"]
heap_alloc, heap_objects = facts["memstats"]["heap_alloc"], facts["memstats"]["heap_objects"]
prof, summary = export(entry, "heap.pb.gz")
equal(summary.get("live_bytes"), heap_alloc, "summary live_bytes = memstats HeapAlloc")
equal(summary.get("live_objects"), heap_objects, "summary live_objects = memstats HeapObjects")

# The raw profile: sample types, the default, totals.
types, samples = raw_samples(prof)
equal([t.split("/")[0] for t in types], TYPES, "sample types")
check(types and types[-1].endswith("[dflt]"), f"inuse_space is the default sample type: {types}")
totals = [sum(s[k] for s in samples) for k in range(4)] if samples else [None] * 4
equal(totals[3], heap_alloc, "raw: total inuse_space = HeapAlloc")
equal(totals[2], heap_objects, "raw: total inuse_objects = HeapObjects")
equal(totals[1], heap_alloc, "raw: total retained_space = HeapAlloc (roots partition the heap)")
equal(totals[0], heap_objects, "raw: total retained_objects = HeapObjects")
check(all(v >= 0 for s in samples for v in s), "no negative value")
check(len(samples) == summary.get("samples"), f"one sample a stack: {len(samples)} vs {summary.get('samples')}")

# What pprof itself adds up.
inuse, inuse_total = top(prof, "inuse_space")
retained, retained_total = top(prof, "retained_space")
objects, objects_total = top(prof, "inuse_objects")
equal(inuse_total, heap_alloc, "pprof -top: inuse_space total")
equal(retained_total, heap_alloc, "pprof -top: retained_space total")
equal(objects_total, heap_objects, "pprof -top: inuse_objects total")
equal(sum(f for f, _ in inuse.values()), heap_alloc, "pprof -top: flat inuse_space adds up to the heap")
# retained_space: flat = cum on the roots' own frames.
for frame, (flat, cum) in retained.items():
    if flat:
        equal(cum, flat, f"retained_space of {frame}: flat = cum")

# Every global root goheap lists: pprof's cumulative value for its frame is
# what goheap says it retains.
gt = goheap_top(entry)
equal(gt["live_bytes"], heap_alloc, "goheap top live bytes")
globals_checked = 0
for r in gt["retainers"]:
    if not r["root"] or not re.fullmatch(r"[\w./]+\.\w+", r["name"]):
        continue  # goroutine frames, data slots, finalizers: their frames are named otherwise
    globals_checked += 1
    equal(inuse.get(r["name"], (None, None))[1], r["retained_bytes"], f"inuse_space cum of {r['name']}")
    equal(retained.get(r["name"], (None, None))[0], r["retained_bytes"], f"retained_space flat of {r['name']}")
check(globals_checked >= 5, f"globals compared: {globals_checked}")
known = "main.sessions" if facts["program"] == "leaky" else "main.Blob"
check(known in inuse, f"{known} has a frame")
if facts["program"] == "shapes":
    check(inuse.get("main.Blob", (0, 0))[1] >= facts["built"]["bytes_len"], "main.Blob retains its 1 MiB array")
else:
    batch = [v for k, v in retained.items() if re.fullmatch(r"main\.worker: batch", k)]
    check(batch and batch[0][0] > 0, "the worker's frame variable is a root frame: main.worker: batch")
    check("main.worker" in inuse, "the worker's call stack is above its variable")
    # A map is one frame: each session sits right under the map's header,
    # and the map's storage (tables, groups, buckets) makes no frame.
    sessions = objects.get("map value -> main.Session", (None, None))[0]
    equal(sessions, facts["built"]["main.Session"], "inuse_objects flat of 'map value -> main.Session'")

# Stacks start at a named root, never at a bare object (shared ones say so).
rc, out, err = pprof("-traces", prof)
equal(rc, 0, f"go tool pprof -traces ({err.strip()[:200]})")
outermost = [block.strip().splitlines()[-1].strip() for block in out.split("-----------+")[1:] if block.strip()]
bad = [f for f in outermost if "->" in f]
check(not bad, f"every stack starts at a root: {bad[:3]}")
storage = re.compile(r"maps\.table|maps\.groupsReference|noalg\.map\.group|bucket<|runtime\.mapextra")
headers = 0
for block in out.split("-----------+")[1:]:
    frames = [ln.strip() for ln in block.strip().splitlines()]
    frames[0] = frames[0].split(None, 1)[-1]  # the leaf line starts with the value
    for k, f in enumerate(frames):
        if f.endswith("internal/runtime/maps.Map") or re.search(r"(^| )hash<", f):
            headers += 1
            inner = frames[:k]
            check(not any(storage.search(x.split(" -> ")[-1]) for x in inner[-1:]),
                  f"no map storage frame right under a map header: {inner[-1:]}")
check(headers > 0, "maps are in the profile")

# The late leaky dump against its early one: main.sessions grew, by what goheap says.
if facts["program"] == "leaky" and not name.endswith("-early.dump.gz"):
    early_entry = next((e for e in manifest() if e["dump"] == name.replace(".dump.gz", "-early.dump.gz")), None)
    if early_entry:
        early, _ = export(early_entry, "early.pb.gz")
        diff, _ = top(prof, "inuse_space", "-diff_base", early)
        old = next(r["retained_bytes"] for r in goheap_top(early_entry)["retainers"] if r["name"] == "main.sessions")
        new = next(r["retained_bytes"] for r in gt["retainers"] if r["name"] == "main.sessions")
        equal(diff.get("main.sessions", (None, None))[1], new - old, "-diff_base: main.sessions grew by")
        check(new - old > 0, "main.sessions grew")
        rdiff, _ = top(prof, "retained_space", "-diff_base", early)
        first = max(rdiff.items(), key=lambda kv: kv[1][0], default=(None, None))[0]
        equal(first, "main.sessions", "-diff_base retained_space: the biggest growth is main.sessions")

# Bad outputs: the documented exit status, nothing left behind.
dump, binary = os.path.join(DUMPS, entry["dump"]), os.path.join(DUMPS, entry["binary"])
rc, _, err = run("pprof", "-q", dump, binary)
equal(rc, 2, f"no -o: usage error ({err.strip()})")
for bad_out in (os.path.join(tmp, "no", "such", "dir", "x.pb.gz"), tmp):
    rc, _, err = run("pprof", "-q", "-o", bad_out, dump, binary)
    equal(rc, 3, f"unwritable -o {bad_out}: exit status ({err.strip()})")
    check("cannot write" in err, f"unwritable -o: says why: {err.strip()}")
rc, out, err = run("pprof", "--json", "-q", "-o", os.path.join(tmp, "nope", "x.pb.gz"), dump, binary)
check(rc == 3 and json.loads(out or "{}").get("error", {}).get("code") == -2, f"--json error object: {out.strip()}")

# A write that fails half way (a 1 KiB file size limit): exit 3, no file, no temporary.
small = os.path.join(tmp, "small")
os.mkdir(small)


def limit_size():
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (1024, 1024))


p = subprocess.run([GOHEAP, "pprof", "-q", "-o", os.path.join(small, "x.pb.gz"), dump, binary],
                   capture_output=True, text=True, preexec_fn=limit_size)
equal(p.returncode, 3, f"write failing half way: exit status ({p.stderr.strip()})")
check("cannot write" in p.stderr, f"write failing half way: says why: {p.stderr.strip()}")
equal(os.listdir(small), [], "write failing half way: nothing left behind")

# Same dump, same bytes.
again, _ = export(entry, "again.pb.gz")
with open(prof, "rb") as a, open(again, "rb") as b:
    check(a.read() == b.read(), "the profile is the same for the same dump")

shutil.rmtree(tmp, ignore_errors=True)
finish()
