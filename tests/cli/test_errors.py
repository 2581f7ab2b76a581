"""Bad input and bad use of goheap: a clear message, the documented exit
status, JSON errors under --json, and never a crash."""
import json
import os
import tempfile

from common import (DUMPS, check, equal, finish, inflate, manifest, run)

entries = manifest()
amd64 = [e for e in entries if e["goarch"] == "amd64"]
first = amd64[0]
dump = os.path.join(DUMPS, first["dump"])
raw = inflate(dump)
tmp = tempfile.mkdtemp()


def write(name, data):
    path = os.path.join(tmp, name)
    with open(path, "wb") as f:
        f.write(data)
    return path


def expect(args, code, text, what):
    rc, out, err = run(*args)
    equal(rc, code, f"{what}: exit status (stderr: {err.strip()})")
    check(text in err, f"{what}: stderr mentions {text!r}: {err.strip()!r}")
    check(rc < 128 and rc >= 0, f"{what}: no crash")
    return out, err


# Not a dump, older formats, empty and missing files.
expect(["info", write("text", b"hello, world\n" * 10)], 1, "not a Go heap dump", "text file")
for v in "3456":
    expect(["check", write(f"old{v}", f"go1.{v} heap dump\n".encode() + b"\x00" * 64)], 1,
           f"Go 1.{v}", f"go1.{v} header")
expect(["info", write("empty", b"")], 1, "empty", "empty file")
expect(["info", os.path.join(tmp, "missing")], 3, "cannot open", "missing file")
expect(["info", tmp], 3, "not a regular file", "directory")

# Truncated and corrupt dumps name the offset, the record and the field.
out, err = expect(["check", write("trunc", raw[: len(raw) // 2])], 1, "offset", "truncated dump")
check("record '" in err, f"truncated dump: names the record: {err.strip()}")
expect(["check", write("tail", raw + b"\x00")], 1, "trailing data", "bytes after EOF")
gz = open(dump, "rb").read()
expect(["check", write("trunc.gz", gz[: len(gz) // 2])], 1, "gzip data is truncated", "truncated gzip")

# --json errors are JSON on stdout.
rc, out, err = run("check", "--json", write("trunc2", raw[:1000]))
equal(rc, 1, "json error exit status")
e = json.loads(out)["error"]
check(e["offset"] is not None and e["offset"] <= 1000, f"json error offset {e['offset']}")
check(e["record"] is not None and e["field"] is not None, "json error names record and field")

# Binaries: not ELF, missing, not the one that wrote the dump.
expect(["info", dump, write("notelf", b"\x7fELX" + b"\x00" * 100)], 1, "not an ELF", "non-ELF binary")
expect(["info", dump, os.path.join(tmp, "nobin")], 3, "cannot open", "missing binary")
others = [e for e in entries if e["binary"] != first["binary"] and e["goarch"] == first["goarch"]]
for other in others[:3]:
    expect(["info", dump, os.path.join(DUMPS, other["binary"])], 1, "binary", f"binary {other['binary']}")
# A PIE of the same program and Go version has sections of the same sizes:
# only the load bias tells it did not write a non-PIE dump.
for e in amd64:
    pie = [o for o in amd64 if o["binary"] == e["binary"].replace(".bin", "-pie.bin") and o is not e]
    for other in pie:
        expect(["info", os.path.join(DUMPS, e["dump"]), os.path.join(DUMPS, other["binary"])], 1,
               "page-aligned load base", "PIE binary of the same program")
x86 = [e for e in entries if e["goarch"] != first["goarch"]]
for other in x86[:1]:
    expect(["info", dump, os.path.join(DUMPS, other["binary"])], 1, "pointers", "binary of another GOARCH")

# The typed-graph commands: a stripped binary gives a warning and an untyped
# but complete graph; a binary that did not write the dump is refused.
import shutil
import subprocess
binary = os.path.join(DUMPS, first["binary"])
if shutil.which("objcopy"):
    stripped = os.path.join(tmp, "stripped")
    subprocess.run(["objcopy", "--strip-debug", binary, stripped], check=True)
    rc, out, err = run("histogram", "--json", "-q", dump, stripped)
    equal(rc, 0, f"histogram with a stripped binary: exit status ({err.strip()})")
    check("no DWARF" in err, f"stripped binary: warning on stderr: {err.strip()!r}")
    h = json.loads(out)
    check(all(t["type"].startswith("untyped") for t in h["types"]), "stripped binary: every object untyped")
    equal(h["live"]["count"], first["facts"]["memstats"]["heap_objects"],
          "stripped binary: every allocated object is still in the graph and reachable")
for cmd in ("histogram", "roots", "goroutines"):
    for other in others[:1]:
        expect([cmd, dump, os.path.join(DUMPS, other["binary"])], 1, "binary", f"{cmd} with another binary")
    expect([cmd, dump, write("notelf2", b"not an elf file at all")], 1, "not an ELF", f"{cmd} with a non-ELF binary")
expect(["show", dump, binary, "0x10"], 1, "no object contains", "show of an address outside the heap")
expect(["show", dump, binary, "zzz"], 2, "not an address", "show of a bad address")

# Usage errors and unwritable output.
expect(["info"], 2, "no DUMP", "no arguments")
expect(["info", "--bogus", dump], 2, "unknown option", "unknown option")
expect(["frobnicate"], 2, "not a goheap command", "unknown command")
if os.path.exists("/dev/full"):
    from common import GOHEAP
    import subprocess
    with open("/dev/full", "w") as full:
        p = subprocess.run([GOHEAP, "info", dump], stdout=full, stderr=subprocess.PIPE, text=True)
    equal(p.returncode, 3, "info to a full device: exit status")
    check("cannot write output" in p.stderr, f"info to a full device: message {p.stderr.strip()!r}")

finish()
