"""goheap check and goheap info --json on one committed dump, compared with
the facts the Go program that wrote the dump recorded about itself at dump
time (dumps/MANIFEST), not with an earlier run of goheap."""
import hashlib
import json
import os
import subprocess
import sys

from common import (DUMPS, FACTS_PROBE, check, equal, finish, inflate,
                    manifest, run)

name = sys.argv[1]
entry = next(e for e in manifest() if e["dump"] == name)
facts = entry["facts"]
built = facts["built"]
program = facts["program"]
dump = os.path.join(DUMPS, entry["dump"])
binary = os.path.join(DUMPS, entry["binary"])

# The committed file is the one the MANIFEST describes.
raw = inflate(dump)
equal(hashlib.sha256(raw).hexdigest(), entry["sha256"], "sha256 of the inflated dump")

rc, out, err = run("check", "-q", dump)
equal(rc, 0, f"goheap check exit status ({err.strip()})")
check(out.startswith("ok: "), "check prints an ok line")

rc, out, err = run("info", "--json", "-q", dump, binary)
equal(rc, 0, f"goheap info exit status ({err.strip()})")
info = json.loads(out)

equal(info["file_bytes"], entry["dump_bytes"], "file_bytes")
equal(info["go_version"], facts["go_version"], "go_version")
equal(info["goarch"], facts["goarch"], "goarch")
equal(info["ptr_size"], facts["ptr_size"], "ptr_size")
equal(info["big_endian"], facts["big_endian"], "big_endian")

# The binary: a PIE is found at a non-zero page-aligned load bias that maps
# its .data section onto the dump's data record; anything else at bias 0.
b = info["binary"]
pie = entry["binary"].endswith("-pie.bin")
equal(b["pie"], pie, "binary.pie")
equal(b["dwarf"], True, "binary.dwarf")
if pie:
    check(b["load_bias"] > 0 and b["load_bias"] % 4096 == 0, f"PIE load bias {b['load_bias']:#x}")
else:
    equal(b["load_bias"], 0, "binary.load_bias")

# The runtime's memstats record and goheap's own object count both agree
# with runtime.ReadMemStats, taken by the program just before the dump.
ms = facts["memstats"]
for key in ("heap_alloc", "heap_objects", "mallocs", "frees", "num_gc"):
    equal(info["memstats"][key], ms[key], f"memstats.{key}")
obj = info["objects"]
equal(obj["allocated_count"], ms["heap_objects"], "objects.allocated_count vs HeapObjects")
equal(obj["allocated_bytes"], ms["heap_alloc"], "objects.allocated_bytes vs HeapAlloc")
equal(obj["count"] - obj["span_tail_count"], obj["allocated_count"], "objects.count - span tails")
minor = int(facts["go_version"].split(".")[1])
if minor < 22:
    equal(obj["span_tail_count"], 0, "no span-tail slots before Go 1.22")

# runtime.NumGoroutine() does not count the finalizer goroutine, which the
# dump marks as a user goroutine while it runs a user finalizer (shapes
# blocks one finalizer; leaky runs none).
g = info["goroutines"]
equal(g["user"], facts["num_goroutine"] + built.get("main.Finalized_running", 0), "goroutines.user")
equal(g["count"], g["user"] + g["system"], "goroutines.count")
check(g["count"] == sum(g["by_status"].values()), "goroutines by status add up")

fin = info["finalizers"]
check(fin["registered"] >= facts["finalizers_set"],
      f"registered finalizers {fin['registered']} >= {facts['finalizers_set']} set by the program")
if program == "shapes":
    check(fin["queued"] >= built["main.Finalized_queued"],
          f"queued finalizers {fin['queued']} >= {built['main.Finalized_queued']} queued by the program")
    check(info["defers"] >= built["defers_loop"], "defer records for the deferring goroutine")
    check(info["panics"] >= 1, "a panic record for the panicking goroutine")
    check(info["memprof_buckets"] > 0 and info["alloc_samples"] > 0,
          "memory-profile records (MemProfileRate=1)")
elif program == "leaky":
    # main and the worker; no finalizer runs, nothing is deferred or panicking.
    equal(g["user"], built["user_goroutines"], "goroutines.user: main and the worker")
    equal(fin["queued"], 0, "no queued finalizers")
    equal(info["panics"], 0, "no panic records")

# Objects whose address, size and first word the program recorded.
known = facts["known"]
p = subprocess.run([FACTS_PROBE, dump, *[k["addr"] for k in known]],
                   capture_output=True, text=True, check=True)
ptr = facts["ptr_size"]
header_min = ptr * ptr * 8  # 512 on 64-bit, 128 on 32-bit
for k, line in zip(known, p.stdout.splitlines()):
    got = json.loads(line)
    what = f"known object {k['name']} at {k['addr']}"
    check(got["found"], f"{what}: inside a dumped object")
    if not got["found"]:
        continue
    addr = int(k["addr"], 16)
    equal(got["word"], k["word0"], f"{what}: first word")
    check(got["slot"] + got["size"] >= addr + k["size"], f"{what}: fits its slot")
    check(not got["span_tail"], f"{what}: not a span-tail slot")
    # Since Go 1.22 a pointerful object in a slot above 512 bytes (128 on
    # 32-bit) and at most 32 KiB starts with an 8-byte malloc header
    # (mallocHeaderSize is 8 whatever the pointer size).
    header = (minor >= 22 and got["pointers"] > 0
              and header_min < got["size"] <= 32768)
    equal(addr - got["slot"], 8 if header else 0, f"{what}: offset in its slot")

finish()
