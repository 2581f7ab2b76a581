"""Help and man page agree: every command of 'goheap --help' has a section in
goheap(1) whose synopsis is the one 'goheap help CMD' prints, every exit
status is documented, and every --json key of info the man page promises is
really printed."""
import json
import os
import re

from common import DUMPS, SRC, check, equal, finish, manifest, run

rc, usage, _ = run("--help")
equal(rc, 0, "--help exit status")
commands = re.findall(r"^  (\w+) ", usage.split("commands:")[1].split("\n\n")[0], re.M)
check(len(commands) >= 3, f"--help lists commands: {commands}")
man = open(os.path.join(SRC, "src/cli/goheap.1")).read()
# Undo roff escapes for comparisons.
plain = man.replace("\\-", "-").replace("\\fB", "").replace("\\fR", "").replace("\\fI", "")

for cmd in commands:
    rc, text, _ = run("help", cmd)
    equal(rc, 0, f"help {cmd} exit status")
    synopsis = text.splitlines()[0].removeprefix("usage: ")
    check(synopsis in plain, f"man page has the synopsis of {cmd}: {synopsis!r}")
    rc, text2, _ = run(cmd, "--help")
    equal(text2, text, f"'{cmd} --help' equals 'help {cmd}'")

for code in range(4):
    check(re.search(rf"^\.IP {code}\b", man, re.M), f"man page documents exit status {code}")

rc, out, _ = run("--version")
check(re.match(r"goheap \d+\.\d+\.\d+\n", out), f"--version: {out!r}")

# Every info --json key the man page lists exists in real output.
entry = manifest()[0]
rc, out, _ = run("info", "--json", os.path.join(DUMPS, entry["dump"]),
                 os.path.join(DUMPS, entry["binary"]))
info = json.loads(out)
keys = re.findall(r"^\.TP\n\.B (\w+(?:\.\w+)*)$", man.split(".SH JSON")[1].split(".SH ")[0], re.M)
check(len(keys) >= 7, f"man page lists --json keys: {keys}")
for key in keys:
    v = info
    for part in key.split("."):
        check(isinstance(v, dict) and part in v, f"info --json has key {key}")
        v = v.get(part) if isinstance(v, dict) else None

finish()
