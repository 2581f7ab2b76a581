#!/usr/bin/env bash
# gen-dumps.sh: build dumps/src/shapes with several Go toolchains and GOARCHes,
# run each binary, and store in dumps/:
#   shapes-go<ver>-<goarch>.dump.gz     the heap dump (gzip -9 -n)
#   shapes-go<ver>-<goarch>.bin         the exact binary that wrote it (DWARF kept, -trimpath)
#   shapes-go<ver>-<goarch>.facts.json  facts written by the program itself
# (one amd64 dump is also made from a position-independent binary: the -pie suffix)
# then regenerate dumps/MANIFEST (JSON Lines, one object per dump).
#
# Idempotent: a target whose three files already exist is not rebuilt (heap
# dumps are not reproducible, so rebuilding would churn the fixtures); it is
# re-verified and listed in MANIFEST again. FORCE=1 regenerates everything.
#
# Environment knobs:
#   FORCE=1           regenerate existing dumps
#   TOOLCHAINS="..."  GOTOOLCHAIN versions to try (fetched via the Go module proxy)
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
SRC=$DUMPS/src/shapes
FORCE=${FORCE:-0}
GO=${GO:-go}
GO119=${GO119:-/usr/lib/go-1.19/bin/go}
TOOLCHAINS=${TOOLCHAINS:-"go1.21.13 go1.22.12 go1.23.12 go1.24.13 go1.25.14"}
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
    if ms.get("heap_objects", 0) < facts["built"]["main.Node"]:
        errors.append("dump heap_objects %s < nodes" % ms.get("heap_objects"))
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
    b = facts["built"]
    need = {"finalizer": facts["finalizers_set"], "defer": 1, "panic": 1, "memprof": 1, "allocsample": 1,
            "data": 1, "bss": 1, "params": 1, "memstats": 1, "eof": 1, "goroutine": 1}
    if b.get("queued_finalizer_setup_ok"):
        need["queuedfinalizer"] = b["main.Finalized_queued"]
    for t, m in need.items():
        if counts.get(t, 0) < m:
            (errors if t not in ("queuedfinalizer", "defer", "panic") else warnings).append(
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
def vkey(name):
    m = re.match(r"shapes-go([0-9.]+)-(\w+)((?:-\w+)*)\.facts\.json$", name)
    return ([int(x) for x in m.group(1).split(".")], m.group(2) != "amd64", m.group(2), m.group(3))
names = sorted((n for n in os.listdir(dumps) if re.match(r"shapes-go[0-9.]+-\w+(-\w+)*\.facts\.json$", n)), key=vkey)
lines = []
for n in names:
    base = n[:-len(".facts.json")]
    dump, binary = base + ".dump.gz", base + ".bin"
    if not (os.path.exists(os.path.join(dumps, dump)) and os.path.exists(os.path.join(dumps, binary))):
        print("MANIFEST: skipping incomplete " + base, file=sys.stderr)
        continue
    facts = json.load(open(os.path.join(dumps, n)))
    raw = gzip.open(os.path.join(dumps, dump), "rb").read()
    gz = open(os.path.join(dumps, dump), "rb").read()
    res = subprocess.run([sys.executable, "-c", verify_py, os.path.join(dumps, dump), os.path.join(dumps, n)],
                         check=True, capture_output=True, text=True)
    summary = json.loads(res.stdout).get("summary")
    lines.append(json.dumps({
        "dump": dump, "binary": binary, "program": facts["program"],
        "go_version": facts["go_version"], "goarch": facts["goarch"],
        "sha256": hashlib.sha256(raw).hexdigest(), "sha256_gz": hashlib.sha256(gz).hexdigest(),
        "dump_bytes": len(raw), "facts": facts, "dump_summary": summary}, separators=(",", ":")))
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

# gen LABEL GOCMD GOTOOLCHAIN GOARCH RUNNER [SUFFIX [BUILDFLAG...]]
#   RUNNER: "native" or a qemu-user command name.
#   SUFFIX: appended to the file names (e.g. -pie); BUILDFLAGs go to go build.
gen() {
	local label=$1 gocmd=$2 tc=$3 arch=$4 runner=$5 suffix=${6:-}
	local flags=("${@:7}")
	local ver base tmp
	echo "== $label"
	if ! ver=$(GOTOOLCHAIN=$tc "$gocmd" env GOVERSION 2>"$WORK/err"); then
		echo "  skip: toolchain not available: $(tail -1 "$WORK/err")"
		skipped+=("$label (toolchain unavailable)")
		return 0
	fi
	ver=${ver#go}
	base=shapes-go$ver-$arch$suffix
	if [[ $FORCE != 1 && -f $DUMPS/$base.dump.gz && -f $DUMPS/$base.bin && -f $DUMPS/$base.facts.json ]]; then
		echo "  exists: $base (FORCE=1 regenerates); re-verifying"
		if verify "$DUMPS/$base.dump.gz" "$DUMPS/$base.facts.json"; then
			ok+=("$base")
		else
			failed+=("$base (existing files fail verification)")
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
	if ! (cd "$SRC" && GOTOOLCHAIN=$tc GOARCH=$arch "$gocmd" build -trimpath "${flags[@]}" -o "$tmp/$base.bin" .) >"$WORK/err" 2>&1; then
		echo "  FAILED build:"; sed 's/^/    /' "$WORK/err"
		failed+=("$base (build)")
		return 0
	fi
	local run=("$tmp/$base.bin" "$tmp/$base.dump" "$tmp/$base.facts.json")
	[[ $runner != native ]] && run=("$runner" "${run[@]}")
	if ! timeout 600 "${run[@]}" >"$WORK/err" 2>&1; then
		echo "  FAILED run:"; sed 's/^/    /' "$WORK/err"
		failed+=("$base (run)")
		return 0
	fi
	[[ -s $WORK/err ]] && sed 's/^/  program: /' "$WORK/err"
	if ! cmp -s -n 16 "$tmp/$base.dump" <(printf 'go1.7 heap dump\n'); then
		echo "  FAILED: dump does not start with 'go1.7 heap dump\\n'"
		failed+=("$base (header)")
		return 0
	fi
	if ! verify "$tmp/$base.dump" "$tmp/$base.facts.json"; then
		failed+=("$base (verification)")
		return 0
	fi
	gzip -9 -n "$tmp/$base.dump"
	mv -f "$tmp/$base.bin" "$tmp/$base.dump.gz" "$tmp/$base.facts.json" "$DUMPS/"
	echo "  ok: $base ($(stat -c %s "$DUMPS/$base.dump.gz") B gz)"
	ok+=("$base")
}

# Targets. The optional ones are dropped first if dumps/ gets over budget.
optional=()

if [[ -x $GO119 ]]; then
	gen "Debian go1.19 amd64" "$GO119" local amd64 native
else
	echo "== Debian go1.19: skip: $GO119 not found"
	skipped+=("go1.19 ($GO119 missing)")
fi
for tc in $TOOLCHAINS; do
	gen "$tc amd64" "$GO" "$tc" amd64 native
done
gen "machine go amd64" "$GO" local amd64 native
gen "machine go 386" "$GO" local 386 native
gen "machine go amd64 PIE" "$GO" local amd64 native -pie -buildmode=pie
if [[ $BIG_ENDIAN_ARCH != none ]]; then
	before=${#ok[@]}
	gen "machine go $BIG_ENDIAN_ARCH (qemu-$BIG_ENDIAN_ARCH)" "$GO" local "$BIG_ENDIAN_ARCH" "qemu-$BIG_ENDIAN_ARCH"
	if ((${#ok[@]} > before)); then
		optional+=("${ok[-1]}")
	fi
fi

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
