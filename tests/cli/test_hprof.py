"""goheap hprof, checked by a real consumer: the heap library of VisualVM
(Debian's visualvm package, fetched by tools/setup.sh) opens the file, and
its classes, instances per class, sizes, GC roots and retained sizes (its
own dominator computation) must equal goheap's for the same dump.

    test_hprof.py --compile     compile tests/hprof/HprofCheck.java (fixture)
    test_hprof.py DUMP          export one dump of dumps/MANIFEST and check it
    test_hprof.py errors        unwritable targets, /dev/full, usage errors
"""
import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile

from common import DUMPS, SRC, check, equal, finish, manifest, run

WORK = os.environ["HPROF_WORK"]
CLASSES = os.path.join(WORK, "classes")
JAR_PATH = "usr/share/visualvm/visualvm/modules/org-graalvm-visualvm-lib-jfluid-heap.jar"
# What VisualVM calls the primitive array classes the file names "[B" ...
PRIM_NAMES = {"[Z": "boolean[]", "[C": "char[]", "[F": "float[]", "[D": "double[]",
              "[B": "byte[]", "[S": "short[]", "[I": "int[]", "[J": "long[]"}


def jar():
    for base in (os.environ.get("VISUALVM_DIR", ""), "/"):
        p = os.path.join(base, JAR_PATH)
        if base and os.path.isfile(p):
            return p
    sys.exit("FAIL: no VisualVM heap library (" + JAR_PATH + "): run tools/setup.sh")


def need(tool):
    if not shutil.which(tool):
        sys.exit(f"FAIL: {tool} not found: run tools/setup.sh (default-jdk-headless)")


def compile_harness():
    need("javac")
    os.makedirs(CLASSES, exist_ok=True)
    src = os.path.join(SRC, "tests/hprof/HprofCheck.java")
    p = subprocess.run(["javac", "-cp", jar(), "-d", CLASSES, src], capture_output=True, text=True)
    if p.returncode:
        sys.exit("FAIL: javac: " + p.stderr)
    print("compiled", src)


def visualvm(hprof, *args):
    """Run the harness on a file; its .hwcache from any earlier run is removed
    first (VisualVM reuses it when the header timestamp matches)."""
    need("java")
    shutil.rmtree(hprof + ".hwcache", ignore_errors=True)
    p = subprocess.run(["java", "-Xss16m", "-cp", jar() + os.pathsep + CLASSES, "HprofCheck", hprof, *args],
                       capture_output=True, text=True)
    if p.returncode:
        print(p.stderr)
        sys.exit(f"FAIL: VisualVM could not read {hprof}")
    shutil.rmtree(hprof + ".hwcache", ignore_errors=True)
    return json.loads(p.stdout)


def check_dump(name):
    entry = next((e for e in manifest() if e["dump"] == name), None)
    if entry is None:
        sys.exit(f"FAIL: {name} not in MANIFEST")
    dump, binary = os.path.join(DUMPS, entry["dump"]), os.path.join(DUMPS, entry["binary"])
    base = os.path.join(WORK, name.replace(".dump.gz", ""))
    os.makedirs(WORK, exist_ok=True)
    out = base + ".hprof"

    rc, text, err = run("hprof", "--json", "-q", "-o", out, dump, binary)
    equal(rc, 0, f"hprof exit status ({err.strip()})")
    if rc:
        finish()
    st = json.loads(text)
    equal(os.path.getsize(out), st["file_bytes"], "file size as reported")
    # arrays too big to be instances lose their non-zero tail (at most 20
    # bytes: the 1 MiB Blob of shapes), never a reference or a size
    equal(st["inexact"], 0, "objects whose VisualVM size is not Go's")

    rc, text, _ = run("histogram", "--json", "-q", dump, binary)
    hist = json.loads(text)
    live = hist["live"]
    equal(st["objects"], live["count"], "objects written = live objects")
    equal(st["object_bytes"], live["bytes"], "bytes written = live bytes")
    equal(st["unreachable"], 0, "no unreachable object without --keep-unreachable")

    # per Go type (as histogram names it): instances and bytes
    by_go = collections.defaultdict(lambda: [0, 0])
    for r in st["types"]:
        by_go[r["go_type"]][0] += r["instances"]
        by_go[r["go_type"]][1] += r["bytes"]
    want = {r["type"]: [r["count"], r["bytes"]] for r in hist["types"]}
    equal(dict(by_go), want, "instances and bytes per Go type = histogram")

    rc, text, _ = run("roots", "--json", "-q", dump, binary)
    targets = collections.Counter()
    for r in json.loads(text)["roots"]:
        targets[r["kind"]] += r["targets"]

    rc, text, _ = run("top", "--json", "-q", "--top", "1000000", dump, binary)
    top = json.loads(text)
    objs = [r for r in top["retainers"] if not r["root"] and not r["goroutine"]]
    addrs = base + ".addrs"
    with open(addrs, "w") as f:
        f.write("\n".join(hex(r["addr"]) for r in objs))

    v = visualvm(out, "--addrs", addrs, "--statics", "main", "--biggest", "50")

    equal(v["classes"], st["classes"], "VisualVM classes")
    # instances and their bytes per class, as VisualVM counts them
    want_cls = collections.defaultdict(lambda: [0, 0])
    for r in st["types"]:
        c = PRIM_NAMES.get(r["class"], r["class"])
        want_cls[c][0] += r["instances"]
        want_cls[c][1] += r["bytes"]
    want_cls["goroutine"][0] += st["threads"]
    got_cls = {k: list(x) for k, x in v["class_counts"].items()}
    equal(got_cls, dict(want_cls), "VisualVM instances and bytes per class")
    equal(v["instances"], st["objects"] + st["threads"], "VisualVM instances = objects + goroutines")
    equal(v["sum_sizes"], live["bytes"], "VisualVM sizes sum to the live bytes")
    equal(v["live_bytes"], live["bytes"], "VisualVM summary live bytes")
    equal(v["unrooted"], 0, "VisualVM finds a GC root for every object")

    # GC roots: every root edge of goheap's graph is one
    equal(v["gc_roots"], st["gc_roots"], "VisualVM GC roots")
    kinds = v["roots_by_kind"]
    equal(kinds.get("thread object", 0), st["threads"], "a thread-object root per goroutine")
    equal(kinds.get("Java frame", 0), targets["frame variable"] + targets["frame slot"],
          "Java-frame roots = frame variable and slot targets")
    equal(kinds.get("thread block", 0), targets["defer"] + targets["panic"],
          "thread-block roots = defer and panic targets")
    equal(kinds.get("unknown", 0), targets["finalizer"] + targets["queued finalizer"] + targets["other"],
          "unknown roots = finalizer and other targets")
    equal(v["static_refs"], targets["global"] + targets["data slot"],
          "static fields = global and data-slot targets")
    check(kinds.get("sticky class", 0) >= 1, "package classes are sticky-class roots")
    statics = v.get("statics", {})
    if entry["program"] == "leaky":
        check("sessions" in statics, f"class main has static field sessions: {sorted(statics)}")
    else:
        check("ListHead" in statics, f"class main has static field ListHead: {sorted(statics)}")
    traces = v["thread_traces"]
    equal(len(traces), st["threads"], "a stack trace per goroutine")
    check(any("main.main (" in t and ".go:" in t and ":-1)" not in t.split("main.main (")[1].split(")")[0]
              for t in traces), "main.main's frame has a file and line")

    # retained sizes: VisualVM's dominators against goheap's, object by object
    bad = [(hex(r["addr"]), r["type"], r["retained_bytes"], v["retained"].get(str(r["addr"])))
           for r in objs if v["retained"].get(str(r["addr"])) != r["retained_bytes"]]
    check(not bad, f"retained sizes of {len(objs)} retainers from 'goheap top' = VisualVM's: "
          f"{len(bad)} differ, e.g. {bad[:5]}")
    check(len(objs) > 0, "top lists object retainers")
    by_addr = {}
    for r in objs:
        by_addr[r["addr"]] = r["retained_bytes"]
    biggest_obj = [b for b in v["biggest"] if b["class"] != "java.lang.Class"]
    check(biggest_obj, "VisualVM's biggest objects")
    print(f"{name}: {v['classes']} classes, {v['instances']} instances ({st['objects']} objects + "
          f"{st['threads']} goroutines), {v['gc_roots']} GC roots, {len(objs)} retained sizes equal; "
          f"biggest object retains {biggest_obj[0]['retained'] if biggest_obj else 0} bytes; "
          f"{st['arrays_as_instances']} arrays as instances; file {st['file_bytes']} bytes")

    # --keep-unreachable: garbage too, unrooted
    rc, text, err = run("hprof", "--json", "-q", "--keep-unreachable", "-o", base + "-all.hprof", dump, binary)
    equal(rc, 0, f"hprof --keep-unreachable exit status ({err.strip()})")
    if rc == 0:
        st2 = json.loads(text)
        equal(st2["objects"], live["count"] + hist["garbage"]["count"], "--keep-unreachable: live + garbage")
        equal(st2["unreachable"], hist["garbage"]["count"], "--keep-unreachable: unreachable count")
        if hist["garbage"]["count"]:
            v2 = visualvm(base + "-all.hprof", "--biggest", "1")
            equal(v2["instances"], st2["objects"] + st2["threads"], "--keep-unreachable: VisualVM instances")
            equal(v2["unrooted"], hist["garbage"]["count"], "--keep-unreachable: unreachable stay unrooted")
        os.remove(base + "-all.hprof")
    for p in (out, addrs):
        os.remove(p)
    finish()


def check_errors():
    entry = manifest()[0]
    dump, binary = os.path.join(DUMPS, entry["dump"]), os.path.join(DUMPS, entry["binary"])
    rc, _, err = run("hprof", dump, binary)
    equal(rc, 2, "no -o: usage error")
    rc, _, err = run("hprof", "--json", "-o", "-", dump, binary)
    equal(rc, 2, "--json with -o -: usage error")
    with tempfile.TemporaryDirectory() as d:
        ro = os.path.join(d, "ro")
        os.mkdir(ro)
        os.chmod(ro, 0o500)
        target = os.path.join(ro, "out.hprof")
        if os.access(ro, os.W_OK):  # root ignores permissions: a path under a file instead
            target = os.path.join(dump, "out.hprof")
        rc, out, err = run("hprof", "-q", "-o", target, dump, binary)
        equal(rc, 3, f"unwritable directory: exit 3 ({err.strip()})")
        check("cannot write" in err, f"unwritable directory: says why: {err.strip()!r}")
        equal(os.listdir(ro), [], "unwritable directory: no file left")
        rc, out, err = run("hprof", "-q", "-o", os.path.join(d, "missing", "out.hprof"), dump, binary)
        equal(rc, 3, f"missing directory: exit 3 ({err.strip()})")
        rc, out, err = run("hprof", "--json", "-q", "-o", os.path.join(d, "missing", "out.hprof"), dump, binary)
        equal(rc, 3, "missing directory, --json: exit 3")
        check(out.strip() and "error" in json.loads(out), f"missing directory, --json: error object: {out!r}")
        equal(sorted(os.listdir(d)), ["ro"], "no temporary file left")
        os.chmod(ro, 0o700)
    if os.path.exists("/dev/full"):
        rc, out, err = run("hprof", "-q", "-o", "/dev/full", dump, binary)
        equal(rc, 3, f"/dev/full: exit 3 ({err.strip()})")
        check("No space left" in err or "cannot write" in err, f"/dev/full: says why: {err.strip()!r}")
    # to standard output: the summary goes to stderr, the file is the hprof
    p = subprocess.run([os.environ["GOHEAP"], "hprof", "-q", "-o", "-", dump, binary], capture_output=True)
    equal(p.returncode, 0, "-o -: exit status")
    check(p.stdout[:19] == b"JAVA PROFILE 1.0.2\0", "-o -: an hprof on standard output")
    check(b"wrote -" in p.stderr, "-o -: summary on standard error")
    finish()


if __name__ == "__main__":
    arg = sys.argv[1]
    if arg == "--compile":
        compile_harness()
    elif arg == "errors":
        check_errors()
    else:
        check_dump(arg)
