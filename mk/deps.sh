#!/bin/sh
# summary: make sure the libraries tcplab builds against are installed; install them on Debian/Ubuntu.
#
# usage: mk/deps.sh PKGCONFIG-NAME...   (libpcap ncursesw criterion; gettext, tmux, newuidmap,
#        g++, tshark and groff are programs)
# Prints what it runs. On systems without apt-get it stops with the package names to install.
set -u

missing=""
for pc in "$@"; do
	case "$pc" in
	# gettext's msgfmt compiles po/*.po at build time; xgettext and msgcmp let a test check
	# that every text of the TUI has its translation: programs, not libraries.
	gettext) for p in msgfmt xgettext msgmerge msgcmp; do
			command -v $p >/dev/null 2>&1 || { missing="$missing gettext"; break; }
		done ;;
	# tmux is the terminal emulator of the TUI's screen tests: a program, not a library.
	tmux) command -v tmux >/dev/null 2>&1 || missing="$missing tmux" ;;
	# newuidmap maps subordinate uids (/etc/subuid) so that a non-root 'tcplab grade' runs
	# the student's program as a uid of its own: set-uid programs, not libraries.
	newuidmap) command -v newuidmap >/dev/null 2>&1 || missing="$missing newuidmap" ;;
	# g++ builds the C++ submissions 'tcplab grade' accepts (and the tests' C++ ones).
	g++) command -v g++ >/dev/null 2>&1 || missing="$missing g++" ;;
	# tshark proves that Wireshark's reader takes tcplab's run records (tests/test_record.c).
	tshark) command -v tshark >/dev/null 2>&1 || missing="$missing tshark" ;;
	# groff checks the man page tcplab(1) for warnings (tests/test_install.c).
	groff) command -v groff >/dev/null 2>&1 || missing="$missing groff" ;;
	*) pkg-config --exists "$pc" 2>/dev/null || missing="$missing $pc" ;;
	esac
done
command -v pkg-config >/dev/null 2>&1 || missing="$missing pkg-config"
[ -z "$missing" ] && exit 0

deb_name() {
	case "$1" in
	libpcap) echo libpcap-dev ;;
	ncursesw) echo libncurses-dev ;;
	criterion) echo libcriterion-dev ;;
	gettext) echo gettext ;;
	tmux) echo tmux ;;
	newuidmap) echo uidmap ;;
	g++) echo g++ ;;
	tshark) echo tshark ;;
	groff) echo groff-base ;;
	pkg-config) echo pkg-config ;;
	esac
}

if ! command -v apt-get >/dev/null 2>&1; then
	cat >&2 <<MSG
tcplab: missing libraries:$missing
install them with your package manager, then run make again:
  Fedora/RHEL:  sudo dnf install libpcap-devel ncurses-devel criterion-devel gettext pkgconf-pkg-config shadow-utils
  Arch:         sudo pacman -S libpcap ncurses criterion gettext pkgconf
  macOS:        brew install libpcap ncurses criterion gettext pkg-config
MSG
	exit 1
fi

pkgs=""
for m in $missing; do pkgs="$pkgs $(deb_name "$m")"; done
if [ "$(id -u)" -eq 0 ]; then
	sudo=""
elif command -v sudo >/dev/null 2>&1; then
	sudo="sudo"
else
	echo "tcplab: missing$pkgs and not root, with no sudo: run 'apt-get install$pkgs' as root" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
echo "tcplab: missing:$missing; installing with: $sudo apt-get install -y$pkgs"
# A fresh machine may have empty package lists: update once, then install.
if ! $sudo apt-get install -y -q$pkgs; then
	echo "tcplab: running: $sudo apt-get update"
	$sudo apt-get update -q && $sudo apt-get install -y -q$pkgs || {
		echo "tcplab: could not install$pkgs; install them by hand and run make again" >&2
		exit 1
	}
fi
