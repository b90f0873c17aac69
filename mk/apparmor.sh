#!/bin/sh
# summary: install tcplab's AppArmor profile for one binary and load it where AppArmor restricts user namespaces.
#
# usage: mk/apparmor.sh BINARY [DESTDIR]
# Writes DESTDIR/etc/apparmor.d/tcplab from mk/apparmor/tcplab.in, for BINARY (an absolute
# path: the installed tcplab, or a build tree's). Without DESTDIR, on a kernel where
# AppArmor is active, loads it with apparmor_parser -r (root needed: run through sudo).
# With DESTDIR (a packager's staging tree) it only writes the file.
set -eu
bin=$1
dest=${2:-}
case "$bin" in
/*) ;;
*) echo "mk/apparmor.sh: '$bin' is not an absolute path" >&2; exit 2 ;;
esac
here=$(dirname "$0")
dir="$dest/etc/apparmor.d"
mkdir -p "$dir"
sed "s|@BINARY@|$bin|" "$here/apparmor/tcplab.in" > "$dir/tcplab.tmp"
mv "$dir/tcplab.tmp" "$dir/tcplab"
echo "wrote $dir/tcplab (user namespaces for $bin)"
[ -n "$dest" ] && exit 0
if [ ! -d /sys/kernel/security/apparmor ]; then
	echo "AppArmor is not active on this kernel: nothing to load, and nothing restricts tcplab"
	exit 0
fi
if ! command -v apparmor_parser >/dev/null 2>&1; then
	echo "apparmor_parser is missing: install the apparmor package, then: sudo apparmor_parser -r $dir/tcplab" >&2
	exit 1
fi
echo "apparmor_parser -r $dir/tcplab"
apparmor_parser -r "$dir/tcplab"
