#!/usr/bin/env bash
# Install what goheap needs from Debian's packages (only what is missing),
# then configure and build it in build/ (or $GOHEAP_BUILD_DIR).
# Idempotent: a second run installs nothing and rebuilds only what changed.
# Extra arguments are passed to cmake's configure step.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(build-essential cmake pkg-config python3 libdwarf-dev libelf-dev
	  libgraphviz-dev graphviz libxxhash-dev zlib1g-dev clang golang-1.19-go)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# javac and java run the hprof tests' VisualVM check (tests/hprof)
command -v javac >/dev/null 2>&1 && command -v java >/dev/null 2>&1 || missing+=(default-jdk-headless)
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
if ((${#missing[@]})); then
	echo "setup: installing ${missing[*]}" >&2
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

build=${GOHEAP_BUILD_DIR:-build}

# The VisualVM heap library that checks goheap's hprof files (tests/hprof):
# only its jar is needed, so the visualvm package is downloaded and
# unpacked into the build directory, not installed.
vv_jar=usr/share/visualvm/visualvm/modules/org-graalvm-visualvm-lib-jfluid-heap.jar
if [ ! -f "$build/visualvm/$vv_jar" ] && [ ! -f "/$vv_jar" ]; then
	echo "setup: fetching the VisualVM heap library (visualvm package) into $build/visualvm" >&2
	mkdir -p "$build/visualvm/deb"
	(cd "$build/visualvm/deb" && rm -f visualvm_*.deb &&
		{ apt-get download visualvm >/dev/null 2>&1 ||
		  { $sudo apt-get update -qq && apt-get download visualvm >/dev/null 2>&1; }; } &&
		dpkg -x visualvm_*.deb ..) ||
		echo "setup: warning: could not fetch the visualvm package: the hprof tests will fail" >&2
	rm -rf "$build/visualvm/deb"
fi
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null
