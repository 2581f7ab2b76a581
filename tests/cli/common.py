"""Shared helpers of the CLI tests: where things are, running goheap."""
import gzip
import json
import os
import subprocess
import sys

GOHEAP = os.environ["GOHEAP"]
DUMPS = os.environ["DUMPS"]
SRC = os.environ["SRC"]
FACTS_PROBE = os.environ.get("FACTS_PROBE")

failures = []


def check(cond, what):
    """Record a failed expectation; the test fails at the end if any did."""
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def equal(got, want, what):
    check(got == want, f"{what}: got {got!r}, want {want!r}")


def run(*args, stdin=None):
    """Run goheap; return (exit code, stdout, stderr)."""
    p = subprocess.run([GOHEAP, *args], capture_output=True, text=True, input=stdin)
    return p.returncode, p.stdout, p.stderr


def manifest():
    with open(os.path.join(DUMPS, "MANIFEST")) as f:
        return [json.loads(line) for line in f if line.strip()]


def inflate(path):
    with open(path, "rb") as f:
        data = f.read()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def finish():
    if failures:
        print(f"{len(failures)} expectation(s) failed")
        sys.exit(1)
    print("all expectations held")
