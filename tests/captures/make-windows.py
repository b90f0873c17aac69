#!/usr/bin/env python3
# summary: make the Windows-style captures (pcapng as Wireshark/Npcap on Windows writes it) from two Linux captures here.
#
# usage: python3 tests/captures/make-windows.py        (then tshark2tsv.py for the goldens)
#
# Students capture their own Winsock programs with Wireshark on Windows. Npcap's loopback
# adapter records the NULL link type (a 4-byte address family in the machine's order,
# little-endian: AF_INET 2, and for IPv6 the BSD value 24 that Wireshark reads, not
# Windows' own AF_INET6 23, which tcplab reads too), and Wireshark writes
# pcapng with microsecond timestamps, a section header naming Windows and Dumpcap, an
# interface description block per adapter (\Device\NPF_Loopback, "Adapter for loopback
# traffic capture", and an Ethernet adapter named by its GUID), packet comments, and
# interface statistics at the end. These files carry the same segments as
# client_close_first.pcap and ipv6.pcap (Linux loopback, Ethernet headers), re-framed so.
# A third, ../data/winsock/two_adapters.pcapng, was captured "on both adapters": an
# Ethernet adapter's description block comes first, so two link types share the file,
# which libpcap's reader refuses (tcplab says what to do). Not run by the tests.
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def pad4(b):
    return b + b"\0" * (-len(b) % 4)


def opt(code, value):
    if isinstance(value, str):
        value = value.encode()
    return struct.pack("<HH", code, len(value)) + pad4(value)


def opts(*pairs):
    return b"".join(opt(c, v) for c, v in pairs) + struct.pack("<HH", 0, 0)


def block(btype, body):
    total = 12 + len(body)
    return struct.pack("<II", btype, total) + body + struct.pack("<I", total)


def read_pcap(path):
    data = open(path, "rb").read()
    magic, _, _, _, _, _, linktype = struct.unpack("<IHHiIII", data[:24])
    nano = magic == 0xA1B23C4D
    assert magic in (0xA1B2C3D4, 0xA1B23C4D), path
    assert linktype == 1, "%s: link type %d, expected Ethernet" % (path, linktype)
    off, packets = 24, []
    while off < len(data):
        sec, frac, incl, orig = struct.unpack("<IIII", data[off:off + 16])
        frame = data[off + 16:off + 16 + incl]
        off += 16 + incl
        usec = frac // 1000 if nano else frac
        packets.append((sec * 1000000 + usec, frame, orig))
    return packets


def windows_pcapng(src, dst, comments, inet6=24, two_adapters=False):
    shb = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1) + opts(
        (2, "Intel(R) Core(TM) i5-8250U CPU @ 1.60GHz (with SSE4.2)"),
        (3, "64-bit Windows 10 (22H2), build 19045"),
        (4, "Dumpcap (Wireshark) 4.2.2 (v4.2.2-0-g404592842786)")))
    # An Ethernet adapter Wireshark opened too, which saw none of these packets.
    idb_eth = block(1, struct.pack("<HHI", 1, 0, 262144) + opts(
        (2, "\\Device\\NPF_{6B2F0A3C-8E1D-4C55-9A7B-3D2E1F0C4B59}"),
        (3, "Intel(R) Ethernet Connection (4) I219-V"),
        (9, b"\x06"),
        (12, "64-bit Windows 10 (22H2), build 19045")))
    idb_lo = block(1, struct.pack("<HHI", 0, 0, 262144) + opts(
        (2, "\\Device\\NPF_Loopback"),
        (3, "Adapter for loopback traffic capture"),
        (9, b"\x06"),
        (12, "64-bit Windows 10 (22H2), build 19045")))
    out = [shb, idb_eth, idb_lo] if two_adapters else [shb, idb_lo]
    ifid = 1 if two_adapters else 0
    packets = read_pcap(src)
    for i, (ts, frame, orig) in enumerate(packets, 1):
        ethertype = struct.unpack(">H", frame[12:14])[0]
        family = {0x0800: 2, 0x86DD: inet6}.get(ethertype)
        if family is None:      # not IP (none here): keep the frame count, as an empty NULL
            family = 0
        payload = struct.pack("<I", family) + frame[14:]
        extra = orig - len(frame)
        body = struct.pack("<IIIII", ifid, ts >> 32, ts & 0xFFFFFFFF, len(payload),
                           len(payload) + extra) + pad4(payload)
        o = [(2, struct.pack("<I", 1))]     # epb_flags: inbound
        if i in comments:
            o.append((1, comments[i]))
        out.append(block(6, body + opts(*o)))
    last = packets[-1][0]
    isb = block(5, struct.pack("<III", ifid, last >> 32, last & 0xFFFFFFFF) + opts(
        (2, struct.pack("<II", (packets[0][0]) >> 32, packets[0][0] & 0xFFFFFFFF)),
        (3, struct.pack("<II", last >> 32, last & 0xFFFFFFFF)),
        (4, struct.pack("<Q", len(packets))),
        (5, struct.pack("<Q", 0))))
    out.append(isb)
    with open(dst, "wb") as f:
        f.write(b"".join(out))


def main():
    windows_pcapng(os.path.join(HERE, "client_close_first.pcap"),
                   os.path.join(HERE, "windows_loopback.pcapng"),
                   {3: "my echo client: connect()", 9: "closesocket() here"})
    windows_pcapng(os.path.join(HERE, "ipv6.pcap"),
                   os.path.join(HERE, "windows_loopback_ipv6.pcapng"),
                   {1: "IPv6 loopback, [::1]"})
    windows_pcapng(os.path.join(HERE, "client_close_first.pcap"),
                   os.path.join(HERE, "..", "data", "winsock", "two_adapters.pcapng"),
                   {3: "captured on Ethernet and loopback at once"}, two_adapters=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
