#!/usr/bin/env bash
# summary: Gradescope's setup.sh for tcplab lab @LAB@: install what tcplab needs, then
# build it from the source tree in this zip.
#
# Made by 'tcplab autograder gradescope @LAB@'. Gradescope runs it once, as root, when it
# builds the autograder's image (Ubuntu), with the zip unpacked in /autograder/source.
# tcplab/ holds tcplab's source tree; the build lands in tcplab/build/, where
# run_autograder looks. AUTOGRADER_ROOT (default /autograder) moves the whole layout.
set -eu
ag=${AUTOGRADER_ROOT:-/autograder}
src=$ag/source/tcplab

export DEBIAN_FRONTEND=noninteractive
echo "setup.sh: installing a C compiler and make (apt-get)"
apt-get update -q
apt-get install -y -q --no-install-recommends make gcc g++ libc6-dev pkg-config
# The libraries and programs come from the Makefile's 'deps' (mk/deps.sh), as on any
# Debian/Ubuntu machine: libpcap, ncursesw, newuidmap (uidmap) and g++.
echo "setup.sh: building tcplab in '$src'"
make -C "$src" -j"$(nproc)" all
# What this image allows (namespaces above all): in the build log, for the instructor.
# Without them every grade is score 0 with tcplab's reason, never a missing results.json.
"$src/build/tcplab" doctor || echo "setup.sh: 'tcplab doctor' found a problem (above):" \
	"grading may not work in this image"
