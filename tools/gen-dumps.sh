#!/usr/bin/env bash
# gen-dumps.sh: build the sample programs in dumps/src/ with several Go
# toolchains and GOARCHes, run each binary, and store in dumps/:
#   <prog>-go<ver>-<goarch>.dump.gz     the heap dump (gzip -9 -n)
#   <prog>-go<ver>-<goarch>.bin         the exact binary that wrote it (DWARF kept, -trimpath)
#   <prog>-go<ver>-<goarch>.facts.json  facts written by the program itself
# then regenerate dumps/MANIFEST (JSON Lines, one object per dump).
#
# The programs:
#   shapes  known heap shapes; one dump per run. Built with every toolchain
#           below, for 386, for big-endian s390x, and as an amd64 PIE (the
#           -pie suffix).
#   leaky   a small service with a planted leak (main.sessions); two dumps
#           per run: <base>-early.dump.gz/.facts.json, then the main
#           <base>.dump.gz/.facts.json whose facts hold the program's own
#           oracle (the HeapAlloc drop when each of three roots is released).
#           Both come from <base>.bin: the early dump's MANIFEST line names
#           that binary and has "early_of": the main dump. Built with the
#           machine's Go (amd64 and 386), LEAKY_TOOLCHAINS and Debian's Go 1.19.
#
# Idempotent: a target whose files already exist is not rebuilt (heap dumps
# are not reproducible, so rebuilding would churn the fixtures); it is
# re-verified and listed in MANIFEST again. FORCE=1 regenerates the targets
# of the programs in PROGRAMS.
#
# Environment knobs:
#   FORCE=1           regenerate existing dumps (of the programs in PROGRAMS)
#   PROGRAMS="..."    the programs to build (default "shapes leaky"); MANIFEST
#                     always lists every complete target in dumps/
#   TOOLCHAINS="..."  GOTOOLCHAIN versions to try for shapes (fetched via the Go module proxy)
#   LEAKY_TOOLCHAINS  GOTOOLCHAIN versions for leaky (default go1.22.12)
#   GO119=path        Debian's Go 1.19 (default /usr/lib/go-1.19/bin/go)
#   GO=cmd            the machine's Go (default: go)
#   BIG_ENDIAN_ARCH   GOARCH run under qemu-user for a big-endian dump (default s390x;
#                     "none" to skip). Needs qemu-user: apt-get install -y qemu-user
#   BUDGET_MB         size limit of dumps/ (default 60); optional dumps are dropped first
#
# Requires bash, python3, gzip, sha256sum.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DUMPS=$ROOT/dumps
FORCE=${FORCE:-0}
PROGRAMS=${PROGRAMS:-"shapes leaky"}
GO=${GO:-go}
GO119=${GO119:-/usr/lib/go-1.19/bin/go}
TOOLCHAINS=${TOOLCHAINS:-"go1.21.13 go1.22.12 go1.23.12 go1.24.13 go1.25.14"}
LEAKY_TOOLCHAINS=${LEAKY_TOOLCHAINS:-"go1.22.12"}
BIG_ENDIAN_ARCH=${BIG_ENDIAN_ARCH:-s390x}
BUDGET_MB=${BUDGET_MB:-60}

export CGO_ENABLED=0
export GOFLAGS=-buildvcs=false
unset GOOS GOARCH GO386 GOAMD64 || true

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

VERIFY_PY=$(cat <<'PYEOF'
import sys, json, gzip, bisect, struct

TAGS = {0: "eof", 1: "object", 2: "otherroot", 3: "type", 4: "goroutine", 5: "stackframe",
        6: "params", 7: "finalizer", 8: "itab", 9: "osthread", 10: "memstats",
        11: "queuedfinalizer", 12: "data", 13: "bss", 14: "defer", 15: "panic",
        16: "memprof", 17: "allocsample"}
MS_NAMES = ["alloc", "total_alloc", "sys", "lookups", "mallocs", "frees", "heap_alloc",
            "heap_sys", "heap_idle", "heap_inuse", "heap_released", "heap_objects"]

def parse(buf):
    pos = 16
    n = len(buf)
    def uv():
        nonlocal pos
        x = 0; s = 0
        while True:
            b = buf[pos]; pos += 1
            x |= (b & 0x7f) << s
            if b < 0x80:
                return x
            s += 7
    def st():
        nonlocal pos
        l = uv(); p = pos; pos += l
        if pos > n:
            raise ValueError("string past EOF")
        return p, l
    def fl():
        c = 0
        while True:
            k = uv()
            if k == 0:
                return c
            uv(); c += 1
    counts = {}
    out = {"objects": [], "params": None, "memstats": None, "goroutines": [],
           "obj_bytes": 0, "obj_ptr_fields": 0, "frames": {}, "queued_fin_objs": [], "fin_objs": []}
    while True:
        if pos >= n:
            raise ValueError("no EOF record")
        tag = uv()
        name = TAGS.get(tag)
        if name is None:
            raise ValueError("unknown tag %d at %d" % (tag, pos))
        counts[name] = counts.get(name, 0) + 1
        if tag == 0:
            break
        elif tag == 1:
            a = uv(); p, l = st(); f = fl()
            out["objects"].append((a, p, l)); out["obj_bytes"] += l; out["obj_ptr_fields"] += f
        elif tag == 2:
            st(); uv()
        elif tag == 3:
            uv(); uv(); st(); uv()
        elif tag == 4:
            g = [uv() for _ in range(7)]
            ws = uv(); p, l = st(); wr = bytes(buf[p:p+l]).decode("utf-8", "replace")
            rest = [uv() for _ in range(4)]
            out["goroutines"].append({"goid": g[2], "status": g[4], "system": g[5], "waitreason": wr,
                                      "defer": rest[2], "panic": rest[3]})
        elif tag == 5:
            uv(); uv(); uv(); st(); uv(); uv(); uv(); p, l = st(); fl()
            fn = bytes(buf[p:p+l]).decode("utf-8", "replace")
            out["frames"][fn] = out["frames"].get(fn, 0) + 1
        elif tag == 6:
            be = uv(); ps = uv(); hs = uv(); he = uv()
            p, l = st(); arch = bytes(buf[p:p+l]).decode()
            p, l = st(); ver = bytes(buf[p:p+l]).decode()
            ncpu = uv()
            out["params"] = {"big_endian": bool(be), "ptr_size": ps, "heap_start": hs, "heap_end": he,
                             "goarch": arch, "build_version": ver, "ncpu": ncpu}
        elif tag in (7, 11):
            v = [uv() for _ in range(5)]
            out["fin_objs" if tag == 7 else "queued_fin_objs"].append(v[0])
        elif tag == 8:
            uv(); uv()
        elif tag == 9:
            uv(); uv(); uv()
        elif tag == 10:
            v = [uv() for _ in range(281)]
            out["memstats"] = dict(zip(MS_NAMES, v[:12]))
            out["memstats"]["num_gc"] = v[280]
        elif tag in (12, 13):
            uv(); st(); fl()
        elif tag == 14:
            [uv() for _ in range(7)]
        elif tag == 15:
            [uv() for _ in range(6)]
        elif tag == 16:
            uv(); uv(); k = uv()
            for _ in range(k):
                st(); st(); uv()
            uv(); uv()
        elif tag == 17:
            uv(); uv()
    if pos != n:
        raise ValueError("EOF record at %d but file has %d bytes" % (pos, n))
    return counts, out

def main():
    dump_path, facts_path = sys.argv[1], sys.argv[2]
    op = gzip.open if dump_path.endswith(".gz") else open
    with op(dump_path, "rb") as fh:
        buf = memoryview(fh.read())
    facts = json.load(open(facts_path))
    errors, warnings = [], []
    if bytes(buf[:16]) != b"go1.7 heap dump\n":
        errors.append("bad header %r" % bytes(buf[:16]))
        print(json.dumps({"errors": errors})); return
    counts, out = parse(buf)
    pr = out["params"]
    if pr is None:
        errors.append("no params record")
    else:
        for k in ("goarch", "ptr_size", "big_endian"):
            if pr[k] != facts[k]:
                errors.append("params %s=%r, facts %r" % (k, pr[k], facts[k]))
        if pr["build_version"] != facts["go_version"]:
            errors.append("params version %r, facts %r" % (pr["build_version"], facts["go_version"]))
    for k in ("program", "go_version", "goarch", "ptr_size", "big_endian", "memstats",
              "num_goroutine", "finalizers_set", "built", "known"):
        if k not in facts:
            errors.append("facts lacks " + k)
    for k in ("heap_alloc", "heap_objects", "mallocs", "frees", "num_gc"):
        if not isinstance(facts.get("memstats", {}).get(k), int):
            errors.append("facts memstats lacks " + k)
    ms = out["memstats"] or {}
    fm = facts.get("memstats", {})
    nobj = len(out["objects"])
    prog = facts.get("program")
    b = facts["built"]
    if prog == "shapes":
        if ms.get("heap_objects", 0) < b["main.Node"]:
            errors.append("dump heap_objects %s < nodes" % ms.get("heap_objects"))
    elif prog == "leaky":
        made = b["main.Session"] + b["main.Event"] + b["main.Job"] + b["cache_entries"]
        if ms.get("heap_objects", 0) < made:
            errors.append("dump heap_objects %s < %d objects built" % (ms.get("heap_objects"), made))
        for o in facts.get("oracle", []):
            what = "oracle %s" % (o.get("root") or "%s: %s" % (o.get("root_frame_func"), o.get("root_var")))
            if o["heap_alloc_drop"] <= 0:
                errors.append("%s: HeapAlloc drop %d" % (what, o["heap_alloc_drop"]))
            if o["runtime_mallocs"] or o["freed_bytes"] != o["heap_alloc_drop"]:
                warnings.append("%s: %d runtime allocations during the step, drop %d, freed %d" % (
                    what, o["runtime_mallocs"], o["heap_alloc_drop"], o["freed_bytes"]))
        if facts.get("oracle") and facts["oracle"][0]["heap_alloc_before"] != fm.get("heap_alloc"):
            warnings.append("oracle base HeapAlloc %d != %s at the dump" % (
                facts["oracle"][0]["heap_alloc_before"], fm.get("heap_alloc")))
    else:
        errors.append("unknown program %r" % prog)
    same = {k: ms.get(k) == fm.get(k) for k in ("heap_alloc", "heap_objects", "mallocs", "frees", "num_gc")}
    if not all(same.values()):
        warnings.append("dump memstats differ from facts: " + ",".join(k for k, v in same.items() if not v))
    # Locate the known objects and compare word0.
    ps = facts["ptr_size"]
    fmt = (">" if facts["big_endian"] else "<") + ("Q" if ps == 8 else "I")
    objs = sorted(out["objects"])
    starts = [o[0] for o in objs]
    known_out = []
    for k in facts["known"]:
        a = int(k["addr"], 16)
        i = bisect.bisect_right(starts, a) - 1
        if i < 0 or a >= objs[i][0] + objs[i][2]:
            errors.append("known %s at %s not inside a dumped object" % (k["name"], k["addr"]))
            continue
        base, p, l = objs[i]
        off = a - base
        if off + ps > l:
            errors.append("known %s: word0 past object end" % k["name"]); continue
        w = struct.unpack(fmt, bytes(buf[p + off:p + off + ps]))[0]
        if w != k["word0"]:
            errors.append("known %s: word0 %d in dump, %d in facts" % (k["name"], w, k["word0"]))
        if k["size"] > l - off:
            errors.append("known %s: size %d > object room %d" % (k["name"], k["size"], l - off))
        known_out.append({"name": k["name"], "object": "0x%x" % base, "offset": off, "object_size": l})
    if prog == "shapes":
        need = {"finalizer": facts["finalizers_set"], "defer": 1, "panic": 1, "memprof": 1, "allocsample": 1,
                "data": 1, "bss": 1, "params": 1, "memstats": 1, "eof": 1, "goroutine": 1}
        soft = ("queuedfinalizer", "defer", "panic")
    else:
        # leaky keeps the default MemProfileRate: profile records are likely, not certain
        need = {"data": 1, "bss": 1, "params": 1, "memstats": 1, "eof": 1, "goroutine": 2, "stackframe": 1,
                "memprof": 1, "allocsample": 1}
        soft = ("memprof", "allocsample")
    if b.get("queued_finalizer_setup_ok"):
        need["queuedfinalizer"] = b["main.Finalized_queued"]
    for t, m in need.items():
        if counts.get(t, 0) < m:
            (errors if t not in soft else warnings).append(
                "tag %s: %d records, expected >= %d" % (t, counts.get(t, 0), m))
    gs = out["goroutines"]
    summary = {
        "records": {k: counts[k] for k in sorted(counts, key=lambda k: [t for t, n in TAGS.items() if n == k][0])},
        "params": pr,
        "memstats": ms,
        "object_bytes": out["obj_bytes"],
        "object_ptr_fields": out["obj_ptr_fields"],
        "goroutines": len(gs),
        "user_goroutines": sum(1 for g in gs if not g["system"]),
        "goroutines_with_defer": sum(1 for g in gs if g["defer"]),
        "goroutines_with_panic": sum(1 for g in gs if g["panic"]),
        "known": known_out,
        "memstats_match_facts": all(same.values()),
    }
    print(json.dumps({"errors": errors, "warnings": warnings, "summary": summary}))

main()
PYEOF
)

MANIFEST_PY=$(cat <<'PYEOF'
import sys, json, gzip, hashlib, os, re, subprocess
dumps, verify_py = sys.argv[1], sys.argv[2]
PROGS = ("shapes", "leaky")
NAME = re.compile(r"(%s)-go([0-9.]+)-(\w+)((?:-\w+)*)\.facts\.json$" % "|".join(PROGS))
def vkey(name):
    m = NAME.match(name)
    return (PROGS.index(m.group(1)), [int(x) for x in m.group(2).split(".")], m.group(3) != "amd64",
            m.group(3), m.group(4))
names = sorted((n for n in os.listdir(dumps) if NAME.match(n)), key=vkey)
lines = []
for n in names:
    base = n[:-len(".facts.json")]
    dump, binary = base + ".dump.gz", base + ".bin"
    early_of = None
    if base.startswith("leaky-") and base.endswith("-early"):
        # the early dump of a leaky run: written by the main dump's binary
        early_of = base[:-len("-early")] + ".dump.gz"
        binary = base[:-len("-early")] + ".bin"
        if not os.path.exists(os.path.join(dumps, early_of)):
            print("MANIFEST: skipping %s: no %s" % (base, early_of), file=sys.stderr)
            continue
    if not (os.path.exists(os.path.join(dumps, dump)) and os.path.exists(os.path.join(dumps, binary))):
        print("MANIFEST: skipping incomplete " + base, file=sys.stderr)
        continue
    facts = json.load(open(os.path.join(dumps, n)))
    raw = gzip.open(os.path.join(dumps, dump), "rb").read()
    gz = open(os.path.join(dumps, dump), "rb").read()
    res = subprocess.run([sys.executable, "-c", verify_py, os.path.join(dumps, dump), os.path.join(dumps, n)],
                         check=True, capture_output=True, text=True)
    summary = json.loads(res.stdout).get("summary")
    line = {"dump": dump, "binary": binary, "program": facts["program"],
            "go_version": facts["go_version"], "goarch": facts["goarch"],
            "sha256": hashlib.sha256(raw).hexdigest(), "sha256_gz": hashlib.sha256(gz).hexdigest(),
            "dump_bytes": len(raw), "facts": facts, "dump_summary": summary}
    if early_of:
        line["early_of"] = early_of
    lines.append(json.dumps(line, separators=(",", ":")))
with open(os.path.join(dumps, "MANIFEST.tmp"), "w") as f:
    f.write("".join(l + "\n" for l in lines))
os.replace(os.path.join(dumps, "MANIFEST.tmp"), os.path.join(dumps, "MANIFEST"))
print("MANIFEST: %d dumps" % len(lines))
PYEOF
)

ok=()
failed=()
skipped=()

# verify DUMP FACTS -> prints errors/warnings; returns 1 on errors.
verify() {
	local out
	if ! out=$(python3 -c "$VERIFY_PY" "$1" "$2"); then
		echo "  verify: parser crashed" >&2
		return 1
	fi
	python3 - "$out" <<'PYEOF'
import json, sys
r = json.loads(sys.argv[1])
for w in r.get("warnings", []):
    print("  warning: " + w)
for e in r.get("errors", []):
    print("  ERROR: " + e)
s = r.get("summary")
if s:
    rc = s["records"]
    print("  records: objects=%d goroutines=%d frames=%d fin=%d queuedfin=%d defer=%d panic=%d memprof=%d allocsample=%d" % tuple(
        rc.get(k, 0) for k in ("object", "goroutine", "stackframe", "finalizer", "queuedfinalizer", "defer", "panic", "memprof", "allocsample")))
sys.exit(1 if r.get("errors") else 0)
PYEOF
}

# oracle_clean FACTS: true if the leaky program's oracle saw no allocation by
# the runtime itself while it released the roots (so each HeapAlloc drop is
# exactly what the released root retained).
oracle_clean() {
	python3 - "$1" <<'PYEOF'
import json, sys
f = json.load(open(sys.argv[1]))
o = f.get("oracle") or []
ok = bool(o) and o[0]["heap_alloc_before"] == f["memstats"]["heap_alloc"] and all(
    e["runtime_mallocs"] == 0 and e["freed_bytes"] == e["heap_alloc_drop"] for e in o)
sys.exit(0 if ok else 1)
PYEOF
}

# gen PROG LABEL GOCMD GOTOOLCHAIN GOARCH RUNNER [SUFFIX [BUILDFLAG...]]
#   PROG: a program in dumps/src (shapes or leaky); skipped if not in PROGRAMS.
#   RUNNER: "native" or a qemu-user command name.
#   SUFFIX: appended to the file names (e.g. -pie); BUILDFLAGs go to go build.
gen() {
	local prog=$1 label="$1: $2" gocmd=$3 tc=$4 arch=$5 runner=$6 suffix=${7:-}
	local flags=("${@:8}")
	local ver base tmp n
	[[ " $PROGRAMS " == *" $prog "* ]] || return 0
	echo "== $label"
	if ! ver=$(GOTOOLCHAIN=$tc "$gocmd" env GOVERSION 2>"$WORK/err"); then
		echo "  skip: toolchain not available: $(tail -1 "$WORK/err")"
		skipped+=("$label (toolchain unavailable)")
		return 0
	fi
	ver=${ver#go}
	base=$prog-go$ver-$arch$suffix
	# the dumps one run writes (names without .dump.gz), all from $base.bin
	local names=("$base")
	[[ $prog == leaky ]] && names=("$base-early" "$base")
	local have=1
	[[ -f $DUMPS/$base.bin ]] || have=0
	for n in "${names[@]}"; do
		[[ -f $DUMPS/$n.dump.gz && -f $DUMPS/$n.facts.json ]] || have=0
	done
	if [[ $FORCE != 1 && $have == 1 ]]; then
		echo "  exists: ${names[*]} (FORCE=1 regenerates); re-verifying"
		local bad=0
		for n in "${names[@]}"; do
			verify "$DUMPS/$n.dump.gz" "$DUMPS/$n.facts.json" || bad=1
		done
		if ((bad)); then
			failed+=("$base (existing files fail verification)")
		else
			ok+=("$base")
		fi
		return 0
	fi
	if [[ $runner != native ]] && ! command -v "$runner" >/dev/null; then
		echo "  skip: $runner not installed (apt-get install -y qemu-user)"
		skipped+=("$label ($runner missing)")
		return 0
	fi
	tmp=$WORK/$base
	mkdir -p "$tmp"
	if ! (cd "$DUMPS/src/$prog" && GOTOOLCHAIN=$tc GOARCH=$arch "$gocmd" build -trimpath "${flags[@]}" -o "$tmp/$base.bin" .) >"$WORK/err" 2>&1; then
		echo "  FAILED build:"; sed 's/^/    /' "$WORK/err"
		failed+=("$base (build)")
		return 0
	fi
	local run=("$tmp/$base.bin")
	for n in "${names[@]}"; do
		run+=("$tmp/$n.dump" "$tmp/$n.facts.json")
	done
	[[ $runner != native ]] && run=("$runner" "${run[@]}")
	# leaky: run again (up to 3 times) if the runtime allocated during the oracle
	local try
	for try in 1 2 3; do
		if ! timeout 600 "${run[@]}" >"$WORK/err" 2>&1; then
			echo "  FAILED run:"; sed 's/^/    /' "$WORK/err"
			failed+=("$base (run)")
			return 0
		fi
		[[ -s $WORK/err ]] && sed 's/^/  program: /' "$WORK/err"
		[[ $prog != leaky ]] && break
		oracle_clean "$tmp/$base.facts.json" && break
		echo "  run $try: the runtime allocated during the oracle (see the warnings below)"
	done
	for n in "${names[@]}"; do
		if ! cmp -s -n 16 "$tmp/$n.dump" <(printf 'go1.7 heap dump\n'); then
			echo "  FAILED: $n.dump does not start with 'go1.7 heap dump\\n'"
			failed+=("$base (header)")
			return 0
		fi
		echo "  verify $n"
		if ! verify "$tmp/$n.dump" "$tmp/$n.facts.json"; then
			failed+=("$base (verification)")
			return 0
		fi
	done
	for n in "${names[@]}"; do
		gzip -9 -n "$tmp/$n.dump"
	done
	mv -f "$tmp/$base.bin" "$DUMPS/"
	for n in "${names[@]}"; do
		mv -f "$tmp/$n.dump.gz" "$tmp/$n.facts.json" "$DUMPS/"
		echo "  ok: $n ($(stat -c %s "$DUMPS/$n.dump.gz") B gz)"
	done
	ok+=("$base")
}

# Targets. The optional ones are dropped first if dumps/ gets over budget.
optional=()

if [[ -x $GO119 ]]; then
	gen shapes "Debian go1.19 amd64" "$GO119" local amd64 native
else
	echo "== Debian go1.19: skip: $GO119 not found"
	skipped+=("go1.19 ($GO119 missing)")
fi
for tc in $TOOLCHAINS; do
	gen shapes "$tc amd64" "$GO" "$tc" amd64 native
done
gen shapes "machine go amd64" "$GO" local amd64 native
gen shapes "machine go 386" "$GO" local 386 native
gen shapes "machine go amd64 PIE" "$GO" local amd64 native -pie -buildmode=pie
if [[ $BIG_ENDIAN_ARCH != none ]]; then
	before=${#ok[@]}
	gen shapes "machine go $BIG_ENDIAN_ARCH (qemu-$BIG_ENDIAN_ARCH)" "$GO" local "$BIG_ENDIAN_ARCH" "qemu-$BIG_ENDIAN_ARCH"
	if ((${#ok[@]} > before)); then
		optional+=("${ok[-1]}")
	fi
fi

if [[ -x $GO119 ]]; then
	gen leaky "Debian go1.19 amd64" "$GO119" local amd64 native
fi
for tc in $LEAKY_TOOLCHAINS; do
	gen leaky "$tc amd64" "$GO" "$tc" amd64 native
done
gen leaky "machine go amd64" "$GO" local amd64 native
gen leaky "machine go 386" "$GO" local 386 native

# Budget: drop optional dumps first.
size_mb() { du -sm "$DUMPS" | cut -f1; }
while (($(size_mb) > BUDGET_MB)) && ((${#optional[@]} > 0)); do
	victim=${optional[-1]}
	unset 'optional[-1]'
	echo "over budget ($(size_mb) MB > $BUDGET_MB MB): dropping optional $victim"
	rm -f "$DUMPS/$victim".{bin,dump.gz,facts.json}
	for i in "${!ok[@]}"; do [[ ${ok[$i]} == "$victim" ]] && unset 'ok[i]'; done
	skipped+=("$victim (over budget)")
done

python3 -c "$MANIFEST_PY" "$DUMPS" "$VERIFY_PY"

echo
echo "worked:  ${ok[*]:-none}"
echo "skipped: ${skipped[*]:-none}"
echo "failed:  ${failed[*]:-none}"
echo "dumps/ total: $(du -sh "$DUMPS" | cut -f1)"
if (($(size_mb) > BUDGET_MB)); then
	echo "ERROR: dumps/ is over the $BUDGET_MB MB budget" >&2
	exit 1
fi
((${#failed[@]} == 0))
