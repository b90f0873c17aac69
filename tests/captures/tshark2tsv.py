#!/usr/bin/env python3
# summary: turn tshark's view of a capture into the exact text 'tcplab inspect --tsv' must print (golden files).
#
# usage: tshark2tsv.py FILE.pcap [MALFORMED-FRAME...] > FILE.tsv
# Run once per capture by make-captures.sh; the tests never need tshark. Each line is
# checked by hand against tcplab before the golden is committed. Where tcplab prints
# something tshark does not, the rule is applied here and documented in make-captures.sh:
#   - flags in tcpdump's notation (F S R P . U E W e, "none"), from tcp.flags;
#   - ack is "-" when the ACK bit is clear (tshark shows no tcp.ack then either);
#   - frames listed as MALFORMED print no, time, addresses and ports (when tshark has
#     them) and "-" for flags, seq, ack, len, win, with analysis "malformed";
#   - analysis labels are tshark's tcp.analysis.* fields present on the frame, in
#     expert.h's order, plus "rst" when the RST bit is set. (tshark adds the
#     retransmission field to every fast retransmission; tcplab does the same.)
import subprocess
from decimal import ROUND_HALF_UP, Decimal
import sys

LABELS = ["retransmission", "fast_retransmission", "spurious_retransmission", "out_of_order",
          "duplicate_ack", "lost_segment", "ack_lost_segment", "zero_window",
          "zero_window_probe", "zero_window_probe_ack", "window_update", "window_full",
          "keep_alive", "keep_alive_ack"]
FLAG_CHARS = [(0x001, "F"), (0x002, "S"), (0x004, "R"), (0x008, "P"), (0x010, "."),
              (0x020, "U"), (0x040, "E"), (0x080, "W"), (0x100, "e")]
FIELDS = ["frame.number", "frame.time_relative", "ip.src", "ipv6.src", "tcp.srcport",
          "ip.dst", "ipv6.dst", "tcp.dstport", "tcp.flags", "tcp.seq", "tcp.ack", "tcp.len",
          "tcp.window_size"]


def tshark(path, *args):
    out = subprocess.run(["tshark", "-n", "-r", path, *args], check=True,
                         capture_output=True, text=True).stdout
    return [l.split("\t") for l in out.splitlines()]


def frames_with(path, filt):
    return {int(r[0]) for r in tshark(path, "-Y", filt, "-T", "fields", "-e", "frame.number")}


def flags_str(v):
    v = int(v, 16)
    s = "".join(c for bit, c in FLAG_CHARS if v & bit)
    return s or "none"


def main():
    path = sys.argv[1]
    malformed = {int(a) for a in sys.argv[2:]}
    marks = {lab: frames_with(path, "tcp.analysis." + lab) for lab in LABELS}
    marks["rst"] = frames_with(path, "tcp.flags.reset == 1")
    args = ["-Y", "tcp", "-T", "fields", "-E", "separator=/t", "-E", "occurrence=f"]
    for f in FIELDS:
        args += ["-e", f]
    print("# no\ttime\tsrc\tsport\tdst\tdport\tflags\tseq\tack\tlen\twin\tanalysis")
    for r in tshark(path, *args):
        (no, t, s4, s6, sport, d4, d6, dport, fl, seq, ack, ln, win) = r
        no = int(no)
        # Decimal, half up: what tcplab does with nanosecond timestamps ("%.6f" % float
        # would round 0.019874500 down through its binary approximation).
        t = str(Decimal(t).quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP))
        src, dst = s4 or s6, d4 or d6
        if no in malformed:
            print("\t".join([str(no), t, src or "-", sport or "-", dst or "-", dport or "-",
                             "-", "-", "-", "-", "-", "malformed"]))
            continue
        an = [lab for lab in LABELS + ["rst"] if no in marks[lab]]
        ack = ack if int(fl, 16) & 0x10 else "-"
        print("\t".join([str(no), t, src, sport, dst, dport, flags_str(fl), seq, ack, ln, win,
                         ",".join(an) or "-"]))


if __name__ == "__main__":
    main()
