#!/bin/sh
# summary: make sure clang can build libFuzzer targets (clang, libclang-rt); install them on Debian/Ubuntu.
#
# usage: mk/fuzz-deps.sh [CC]      (CC defaults to clang; 'make fuzz' and 'make fuzz-ci' call it)
# Probes by linking an empty fuzz target, so a clang without the fuzzer runtime is caught too.
set -u
cc=${1:-clang}

probe() {
	d=$(mktemp -d) || return 1
	printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n);\nint LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' >"$d/t.c"
	"$cc" -fsanitize=fuzzer,address,undefined -o "$d/t" "$d/t.c" >/dev/null 2>&1
	rc=$?
	rm -rf "$d"
	return $rc
}

probe && exit 0
pkgs="clang libclang-rt-dev"
if ! command -v apt-get >/dev/null 2>&1; then
	echo "tcplab: '$cc -fsanitize=fuzzer' does not work here: install clang with its runtime (compiler-rt, libFuzzer), then run make again" >&2
	exit 1
fi
if [ "$(id -u)" -eq 0 ]; then
	sudo=""
elif command -v sudo >/dev/null 2>&1; then
	sudo="sudo"
else
	echo "tcplab: '$cc -fsanitize=fuzzer' does not work and not root, with no sudo: run 'apt-get install $pkgs' as root" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
echo "tcplab: '$cc -fsanitize=fuzzer' does not work; installing with: $sudo apt-get install -y $pkgs"
if ! $sudo apt-get install -y -q $pkgs; then
	$sudo apt-get update -q && $sudo apt-get install -y -q $pkgs || {
		echo "tcplab: could not install $pkgs; install them by hand and run make again" >&2
		exit 1
	}
fi
probe || { echo "tcplab: '$cc -fsanitize=fuzzer' still does not link after installing $pkgs" >&2; exit 1; }
