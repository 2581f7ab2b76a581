"""Help and man page agree: every command of 'goheap --help' has a section in
goheap(1) whose synopsis is the one 'goheap help CMD' prints, every exit
status is documented, and every --json key the man page promises (info,
diff) is really printed."""
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

# Every --json key the man page lists exists in real output. The JSON
# section is in parts, one a command, each opening with ".B goheap CMD \-\-json";
# a key's dots step into objects, and into the first element of arrays.
entry = manifest()[0]
dump, binary = os.path.join(DUMPS, entry["dump"]), os.path.join(DUMPS, entry["binary"])
json_args = {"diff": ["--bin", binary, dump, dump], "path": [dump, binary, "main.Item"],
             "hprof": ["-o", "/dev/null", dump, binary], "dot": ["-o", "/dev/null", dump, binary],
             "pprof": ["-o", "/dev/null", dump, binary]}
section = man.split(".SH JSON")[1].split(".SH ")[0]
parts = re.split(r"^\.B goheap (\w+) \\-\\-json$", section, flags=re.M)
keys_of = {}
for cmd, text in zip(parts[1::2], parts[2::2]):
    keys_of.setdefault(cmd, []).extend(re.findall(r"^\.TP\n\.B (\w+(?:\.\w+)*)$", text, re.M))
check(len(keys_of.get("info", [])) >= 7, f"man page lists info --json keys: {keys_of.get('info')}")
for cmd, keys in keys_of.items():
    if not keys:
        continue
    rc, out, err = run(cmd, "--json", "-q", *json_args.get(cmd, [dump, binary]))
    equal(rc, 0, f"{cmd} --json exit status ({err.strip()})")
    doc = json.loads(out) if rc == 0 else {}
    for key in keys:
        v = doc
        for part in key.split("."):
            if isinstance(v, list):
                check(len(v) > 0, f"{cmd} --json: {key}: a non-empty array to look into")
                v = v[0] if v else None
            check(isinstance(v, dict) and part in v, f"{cmd} --json has key {key}")
            v = v.get(part) if isinstance(v, dict) else None

finish()
