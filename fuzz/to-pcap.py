#!/usr/bin/env python3
# summary: turn a fuzz_dissect finding (link-type byte + packet) into a one-packet pcap for tests/malformed/.
#
# usage: fuzz/to-pcap.py FINDING OUT.pcap
# The first byte picks the link type exactly as fuzz_dissect.c does; the rest is the packet.
# A fuzz_pcapin finding is already a file: copy it into tests/malformed/ as it is.
import struct
import sys

DLTS = [1, 113, 276, 0, 108, 12, 14, 101, 228, 229, 147, 9999]   # fuzz_dissect.c's dlts[]
# DLT_RAW is 12 or 14 in libpcap but 101 in files; the others are the same in both.
FILE_LINKTYPE = {12: 101, 14: 101}

data = open(sys.argv[1], 'rb').read()
if not data:
    sys.exit('to-pcap: empty finding: nothing to replay')
lt = DLTS[data[0] % len(DLTS)]
pkt = data[1:]
with open(sys.argv[2], 'wb') as f:
    f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 262144, FILE_LINKTYPE.get(lt, lt)))
    f.write(struct.pack('<IIII', 1700000000, 0, len(pkt), len(pkt)) + pkt)
