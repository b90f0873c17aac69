#!/bin/sh
# summary: regenerate the real captures in tests/captures and their golden 'tcplab inspect --tsv' files.
#
# usage: sh tests/captures/make-captures.sh [NAME...]     (default: every capture)
#
# Not run by the tests: the tests only read the committed .pcap and .tsv files. Needs
# root (or an unprivileged user namespace), unshare, ip, tcpdump, tshark, python3,
# iptables (for the loss captures) and editcap. Every scenario runs in a private network
# namespace on its own loopback: no packet leaves this machine. The programs behind the
# captures are in scenarios.py; the golden files come from tshark through tshark2tsv.py,
# produced once and checked line by line against 'tcplab inspect --tsv'.
#
# What each capture shows:
#   client_close_first  UDP + ICMP first (frames 1-2, not TCP), then S, S., ., data, echo,
#                       client FIN first; the client ends in TIME-WAIT, the server CLOSED
#   server_close_first  the server sends a line and closes first: server in TIME-WAIT
#   half_close          client sends, shutdown(SHUT_WR) (F.), server still replies, then F.
#   rst_unread          the server closes with unread data: RST instead of FIN
#   refused             connect to a closed port: S then R.
#   keepalive           SO_KEEPALIVE idle 1 s: keep-alive probes and their ACKs
#   zero_window         a 4 KiB receiver that never reads: window full, zero window,
#                       Linux's probes (Wireshark calls them keep-alives), then RST
#   retransmission      the one data segment is dropped twice after the capture point:
#                       tail loss probe and RTO retransmission
#   dup_ack             a 600-byte corked write, whose first (GSO, 440-byte) segment is
#                       dropped once: window update, duplicate ACK with SACK, and the
#                       quick resend that Wireshark calls Out-Of-Order (it comes within
#                       one RTT of the newer data; only one dup ACK, so not "fast")
#   midstream           dup_ack without its first 3 frames (no handshake): roles
#                       from ports, relative numbers from the first segment, raw windows
#   port_reuse          the same 4-tuple twice: an aborted (RST) connection, then a new one
#   ipv6                client_close_first over ::1
#   malformed           refused plus two damaged copies of its SYN (tcp data offset 3;
#                       cut inside the TCP header), made with python from refused.pcap
#
# make-windows.py makes windows_loopback.pcapng and windows_loopback_ipv6.pcapng from
# client_close_first and ipv6 (pcapng as Wireshark writes it on Windows, Npcap loopback);
# their goldens come from tshark2tsv.py like the others.
#
# Where tcplab deliberately differs from tshark (tshark2tsv.py applies these rules):
#   - flags use tcpdump's notation; ack is "-" when the ACK bit is clear.
#   - a malformed TCP packet shows only frame, time, addresses and ports, "-" elsewhere and
#     the label "malformed"; it does not take part in the connection's analysis (tshark
#     flags a bogus header length as malformed but reports a header cut by the snaplen
#     as "packet size limited during capture": tcplab calls both malformed).
#   - "rst" is a tcplab label (tshark has only the flag).
#   - Window scaling applies once both the SYN and the SYN-ACK were seen (RFC 7323
#     section 2.2); tshark starts scaling one side after its SYN alone. They differ only
#     in captures that hold a SYN without its SYN-ACK.
#   - tcp.analysis.reused_ports is not reported; tcplab starts a new connection instead.
#   - none: a fast retransmission carries both fast_retransmission and retransmission,
#     as tshark's fields do (checked on a 50 000-segment 'bench/gencap' file, which
#     tcplab and tshark list identically; it is too big to commit).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# Run scenario $1 in a fresh netns, capturing lo into $here/$1.pcap. $2: iptables rules
# (INPUT, so tcpdump on lo sees a packet before it is dropped).
run() {
	name=$1 rules=${2:-}
	unshare -n sh -c '
		set -e
		ip link set lo up
		'"$rules"'
		tcpdump -i lo -n -U --immediate-mode -s 200 -w "$1" 2>"$2/tcpdump.log" &
		pid=$!
		until grep -q "listening on" "$2/tcpdump.log"; do sleep 0.05; done
		python3 "$3/scenarios.py" "$4"
		sleep 0.3   # let the last ACK reach the capture file before stopping it
		kill -INT $pid
		wait $pid || true
	' sh "$here/$name.pcap" "$tmp" "$here" "$name"
}

drop_nth() {  # iptables rules dropping the first $2 packets that contain string $1
	r=""
	i=0
	while [ $i -lt "$2" ]; do
		r="$r iptables -A INPUT -p tcp -m string --string $1 --algo bm -m statistic --mode nth --every 1000000 --packet 0 -j DROP;"
		i=$((i + 1))
	done
	echo "$r"
}

golden() {
	python3 "$here/tshark2tsv.py" "$here/$1.pcap" ${2:-} >"$here/$1.tsv"
}

make_malformed() {
	python3 - "$here/refused.pcap" "$here/malformed.pcap" <<'EOF'
import struct, sys
src, dst = sys.argv[1], sys.argv[2]
data = open(src, "rb").read()
hdr, off, recs = data[:24], 24, []
while off < len(data):
    ts, tu, cl, wl = struct.unpack("<IIII", data[off:off + 16])
    recs.append([ts, tu, data[off + 16:off + 16 + cl], wl])
    off += 16 + cl
syn = recs[0]
bad = bytearray(syn[2]); bad[14 + 20 + 12] = (3 << 4) | (bad[14 + 20 + 12] & 15)
cut = syn[2][:14 + 20 + 6]
out = [syn, [syn[0], syn[1] + 1, bytes(bad), syn[3]], [syn[0], syn[1] + 2, cut, syn[3]]] + recs[1:]
with open(dst, "wb") as f:
    f.write(hdr)
    for ts, tu, p, wl in out:
        f.write(struct.pack("<IIII", ts, tu, len(p), wl) + p)
EOF
}

all="client_close_first server_close_first half_close rst_unread refused keepalive
zero_window retransmission dup_ack port_reuse ipv6 midstream malformed"
for name in ${*:-$all}; do
	case $name in
	retransmission) run "$name" "$(drop_nth LOSE 2)" ;;
	dup_ack) run "$name" "$(drop_nth SEG2 1)" ;;
	midstream) editcap -F pcap -r "$here/dup_ack.pcap" "$here/midstream.pcap" 4-1000000 ;;
	malformed) make_malformed ;;
	*) run "$name" ;;
	esac
	case $name in
	malformed) golden "$name" "2 3" ;;
	*) golden "$name" ;;
	esac
	echo "$name: $(tshark -r "$here/$name.pcap" 2>/dev/null | wc -l) packets"
done
