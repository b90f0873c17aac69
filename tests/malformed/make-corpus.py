#!/usr/bin/env python3
# summary: write the malformed-capture corpus: small files, each named for what is wrong with it.
#
# usage: tests/malformed/make-corpus.py   (from anywhere; writes next to itself)
# Deterministic: the same bytes every run. What each file must produce is in MANIFEST,
# written by hand: this script only makes the bytes. Standard library only.
import base64
import os
import random
import struct

HERE = os.path.dirname(os.path.abspath(__file__))

# ---- building blocks -------------------------------------------------------------------


def pcap(linktype, records, snaplen=262144, magic=0xa1b2c3d4):
    """records: (data, caplen or None, wirelen or None)."""
    out = struct.pack('<IHHiIII', magic, 2, 4, 0, 0, snaplen, linktype)
    for i, (data, caplen, wirelen) in enumerate(records):
        cl = len(data) if caplen is None else caplen
        wl = len(data) if wirelen is None else wirelen
        out += struct.pack('<IIII', 1700000000 + i, 1000 * i, cl, wl) + data
    return out


def one(linktype, pkt, **kw):
    return pcap(linktype, [(pkt, None, None)], **kw)


def csum(b):
    if len(b) % 2:
        b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def tcp(flags=0x02, doff=None, opts=b'', payload=b'', sport=40000, dport=80, seq=1000, ack=0):
    opts += b'\0' * (-len(opts) % 4)
    d = doff if doff is not None else 5 + len(opts) // 4
    return struct.pack('!HHIIBBHHH', sport, dport, seq, ack, d << 4, flags, 65535, 0, 0) + opts + payload


def ipv4(l4, ihl=5, total=None, proto=6, frag=0, version=4, opts=b''):
    t = ihl * 4 + len(l4) if total is None else total
    h = struct.pack('!BBHHHBBH4s4s', version << 4 | ihl, 0, t, 1, frag, 64, proto, 0,
                    bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])) + opts
    return h[:10] + struct.pack('!H', csum(h)) + h[12:] + l4


def ipv6(payload, nxt=6, plen=None):
    p = len(payload) if plen is None else plen
    return struct.pack('!IHBB16s16s', 6 << 28, p, nxt, 64,
                       bytes(15) + b'\1', bytes(15) + b'\2') + payload


def ext(nxt, body_units=0):
    """A hop-by-hop/destination-options style extension header of (body_units + 1) * 8 bytes."""
    return bytes([nxt, body_units]) + bytes(6 + 8 * body_units)


def eth(l3, etype=0x0800):
    return b'\x02\0\0\0\0\2' + b'\x02\0\0\0\0\1' + struct.pack('!H', etype) + l3


def vlan(l3, tags, etype=0x0800):
    out = b'\x02\0\0\0\0\2' + b'\x02\0\0\0\0\1'
    for _ in range(tags):
        out += struct.pack('!HH', 0x8100, 7)
    return out + struct.pack('!H', etype) + l3


def pcapng_block(btype, body, length=None, trailer=None):
    body += b'\0' * (-len(body) % 4)
    n = 12 + len(body) if length is None else length
    t = n if trailer is None else trailer
    return struct.pack('<II', btype, n) + body + struct.pack('<I', t)


def shb(**kw):
    return pcapng_block(0x0a0d0d0a, struct.pack('<IHHq', 0x1a2b3c4d, 1, 0, -1), **kw)


def idb(linktype=1, **kw):
    return pcapng_block(1, struct.pack('<HHI', linktype, 0, 262144), **kw)


def epb(pkt, caplen=None, wirelen=None, **kw):
    cl = len(pkt) if caplen is None else caplen
    wl = len(pkt) if wirelen is None else wirelen
    return pcapng_block(6, struct.pack('<IIIII', 0, 0, 0, cl, wl) + pkt, **kw)


SYN = eth(ipv4(tcp()))
GOOD = pcap(1, [(SYN, None, None)])
MSS = b'\x02\x04\x05\xb4'

# ---- the corpus ------------------------------------------------------------------------

files = {}

# Files that are not captures at all, or whose file header is broken.
files['empty.pcap'] = b''
files['file_header_cut_at_10_bytes.pcap'] = GOOD[:10]
files['wrong_magic.pcap'] = struct.pack('<I', 0xdeadbeef) + GOOD[4:]
files['text_file_named_pcap.pcap'] = b'this is not a capture, it is a note\n' * 3
rng = random.Random(20240611)
files['random_garbage_4k.bin'] = bytes(rng.getrandbits(8) for _ in range(4096))
files['pcap_version_3.pcap'] = GOOD[:4] + struct.pack('<H', 3) + GOOD[6:]

# Records that break off or lie about their size.
files['record_header_cut_after_one_packet.pcap'] = GOOD + struct.pack('<IIII', 1, 2, 3, 4)[:7]
files['record_data_cut_after_one_packet.pcap'] = GOOD + struct.pack('<IIII', 1, 0, 60, 60) + SYN[:20]
files['record_caplen_4gb.pcap'] = GOOD + struct.pack('<IIII', 1, 0, 0xffffffff, 0xffffffff) + SYN
files['record_caplen_over_262144.pcap'] = GOOD + struct.pack('<IIII', 1, 0, 262145, 262145) + SYN
files['caplen_larger_than_original.pcap'] = one(1, SYN, ) [:24] + struct.pack('<IIII', 1, 0, len(SYN), 40) + SYN
files['caplen_over_snaplen_64.pcap'] = one(1, eth(ipv4(tcp(payload=b'x' * 100))), snaplen=64)
files['snaplen_0.pcap'] = one(1, SYN, snaplen=0)
files['zero_length_records_x5000.pcap'] = pcap(1, [(b'', None, None)] * 5000)

# Link layers: unknown, and every known one cut short.
files['linktype_147_user0.pcap'] = one(147, SYN)
files['linktype_65000_unknown.pcap'] = one(65000, SYN)
files['ethernet_header_cut_at_10.pcap'] = one(1, SYN[:10])
files['vlan_tag_cut.pcap'] = one(1, vlan(b'', 1)[:16])
files['vlan_5_stacked_tags.pcap'] = one(1, vlan(ipv4(tcp()), 5))
files['linux_sll_header_cut_at_10.pcap'] = one(113, bytes(10))
files['linux_sll2_header_cut_at_12.pcap'] = one(276, bytes(12))
files['null_loopback_header_cut_at_2.pcap'] = one(0, b'\2\0')
files['raw_ip_empty_packet.pcap'] = one(101, b'')
files['raw_ip_version_5.pcap'] = one(101, b'\x55' + bytes(39))

# IPv4 headers that lie.
files['ipv4_header_length_16.pcap'] = one(1, eth(ipv4(tcp(), ihl=4)))
files['ipv4_header_length_60_past_capture.pcap'] = one(1, eth(ipv4(tcp(), ihl=15)[:40]))
files['ipv4_total_length_below_header.pcap'] = one(1, eth(ipv4(tcp(), total=10)))
files['ipv4_total_length_30_too_short_for_tcp.pcap'] = one(1, eth(ipv4(tcp(), total=30)))
files['ipv4_total_length_1500_over_capture.pcap'] = one(1, eth(ipv4(tcp(), total=1500)))
files['ipv4_version_6_in_ipv4_ethertype.pcap'] = one(1, eth(ipv4(tcp(), version=6)))
files['ipv4_header_cut_at_12.pcap'] = one(1, eth(ipv4(tcp())[:12]))

# Fragments.
files['ipv4_first_fragment.pcap'] = one(1, eth(ipv4(tcp(flags=0x18, payload=b'a' * 16), frag=0x2000)))
files['ipv4_later_fragment.pcap'] = one(1, eth(ipv4(b'b' * 24, frag=0x2000 | 185)))
files['ipv4_first_fragment_8_bytes_of_tcp.pcap'] = one(1, eth(ipv4(tcp()[:8], frag=0x2000)))
frag6 = lambda off, more: bytes([6, 0]) + struct.pack('!HI', off << 3 | more, 7)
files['ipv6_first_fragment.pcap'] = one(1, eth(ipv6(frag6(0, 1) + tcp(), nxt=44), 0x86dd))
files['ipv6_later_fragment.pcap'] = one(1, eth(ipv6(frag6(3, 0) + b'c' * 24, nxt=44), 0x86dd))

# TCP headers that lie.
files['tcp_header_cut_at_10.pcap'] = one(1, eth(ipv4(tcp()[:10], total=40)))
files['tcp_data_offset_4.pcap'] = one(1, eth(ipv4(tcp(doff=4))))
files['tcp_data_offset_15_past_segment.pcap'] = one(1, eth(ipv4(tcp(doff=15))))
files['tcp_data_offset_15_past_capture.pcap'] = one(1, eth(ipv4(tcp(doff=15) + bytes(40)))[:14 + 20 + 30])

# TCP options that lie.
files['tcp_option_length_0.pcap'] = one(1, eth(ipv4(tcp(opts=b'\x02\x00\x05\xb4'))))
files['tcp_option_length_1.pcap'] = one(1, eth(ipv4(tcp(opts=b'\x03\x01\x07\x00'))))
files['tcp_option_past_header.pcap'] = one(1, eth(ipv4(tcp(opts=b'\x08\x0a\x00\x00'))))
files['tcp_option_no_length_byte.pcap'] = one(1, eth(ipv4(tcp(opts=b'\x01\x01\x01\x02'))))
files['tcp_sack_length_9.pcap'] = one(1, eth(ipv4(tcp(flags=0x10, opts=b'\x05\x09' + bytes(7) + b'\x01\x01\x01'))))
files['tcp_sack_length_2_no_blocks.pcap'] = one(1, eth(ipv4(tcp(flags=0x10, opts=b'\x05\x02\x01\x01'))))
files['tcp_sack_length_42_claims_5_blocks.pcap'] = one(1, eth(ipv4(tcp(flags=0x10, opts=b'\x05\x2a' + bytes(38)))))
files['tcp_mss_length_5.pcap'] = one(1, eth(ipv4(tcp(opts=b'\x02\x05\x05\xb4\x00'))))
files['tcp_unknown_options_x10.pcap'] = one(1, eth(ipv4(tcp(opts=b'\x63\x02' * 10))))

# IPv6 headers and extension chains that lie.
files['ipv6_header_cut_at_20.pcap'] = one(1, eth(ipv6(tcp())[:20], 0x86dd))
files['ipv6_9_extension_headers.pcap'] = one(
    1, eth(ipv6(b''.join(ext(60 if i < 8 else 6) for i in range(9)) + tcp(), nxt=0), 0x86dd))
files['ipv6_extension_length_past_payload.pcap'] = one(
    1, eth(ipv6(bytes([6, 200]) + bytes(6) + tcp(), nxt=60), 0x86dd))
files['ipv6_extension_cut_by_capture.pcap'] = one(
    1, eth(ipv6(bytes([6, 4]) + bytes(38) + tcp(), nxt=60), 0x86dd)[:14 + 40 + 16])
files['ipv6_payload_length_too_short_for_tcp.pcap'] = one(1, eth(ipv6(tcp(), plen=12), 0x86dd))
files['ipv6_version_4_in_ipv6_ethertype.pcap'] = one(1, eth(b'\x45' + ipv6(tcp())[1:], 0x86dd))

# pcapng blocks with bad or huge lengths.
files['pcapng_section_header_length_7.pcapng'] = shb(length=7)
files['pcapng_section_header_cut.pcapng'] = shb()[:16]
files['pcapng_no_interface_block.pcapng'] = shb()
files['pcapng_block_length_not_multiple_of_4.pcapng'] = shb() + idb() + epb(SYN, length=0x4d, trailer=0x4d)
files['pcapng_block_length_2gb.pcapng'] = shb() + idb() + epb(SYN, length=0x80000000, trailer=0x80000000)
files['pcapng_block_length_below_12.pcapng'] = shb() + idb() + struct.pack('<II', 6, 8) + bytes(8)
files['pcapng_trailer_length_mismatch.pcapng'] = shb() + idb() + epb(SYN, trailer=999)
files['pcapng_packet_cut.pcapng'] = (shb() + idb() + epb(SYN))[:-20]
files['pcapng_caplen_past_block.pcapng'] = shb() + idb() + epb(SYN, caplen=4000)
files['pcapng_packet_for_missing_interface_3.pcapng'] = shb() + idb() + pcapng_block(
    6, struct.pack('<IIIII', 3, 0, 0, len(SYN), len(SYN)) + SYN)

files['pcapng_packet_before_any_interface_block.pcapng'] = shb() + epb(SYN)
# Found by fuzz_pktindex: a packet block with no interface block before it (the block of
# type 0x10000 where the interface should be is skipped as unknown), kept as found.
files['fuzz_pktindex_packet_without_interface.pcapng'] = base64.b64decode(
    'Cg0NChwAAABNPCsaAQAAAP///////yr/HAAAAAAAAQAUAAAAAQAAAAAABAAUAAAABgAAAFgAAAAAAAAAAAAAAAAA'
    'AAA2AAAANgAAAAIAAAAaAgIAAAAAAQgARQAAKAABAABABmbNCgAAAQoAAAKcQABQAAAD6AAAAABQAv//AAAAAAAA'
    '5wMAAA==')

# Expected-sequence specs (docs/expect-format.md) and lessons that are hostile text.
files['spec_empty.expect'] = b''
files['spec_line_of_2000_chars.expect'] = b'check "x"\nc>s S ' + b'x' * 2000 + b'\n'
files['spec_10001_lines.expect'] = b'\n' * 10001
files['spec_repeat_99999.expect'] = b'check "x"\nc>s . {99999}\n'
files['spec_name_unterminated.expect'] = b'check "three-way handshake\nc>s S\n'
files['spec_nul_byte.expect'] = b'check "x"\nc>s S\0 seq=0\n'
files['spec_unknown_direction.expect'] = b'check "x"\nx>y S\n'
files['spec_segment_before_check.expect'] = b'c>s S\n'
files['spec_unknown_assertion.expect'] = b'assert the-moon-is-full\n'
files['lesson_empty.lesson'] = b''
files['lesson_only_comments.lesson'] = b'# a comment\n# another\n'
files['lesson_run_without_variant.lesson'] = b'## Step one\nrun:\n'
files['lesson_variant_name_of_40_chars.lesson'] = b'## Step one\nrun: ' + b'v' * 40 + b'\n'
files['lesson_65_steps.lesson'] = b''.join(b'## step %d\ntext\n' % i for i in range(65))
files['lesson_nul_byte.lesson'] = b'## Step\0 one\ntext\n'

if __name__ == '__main__':
    for name, data in sorted(files.items()):
        with open(os.path.join(HERE, name), 'wb') as f:
            f.write(data)
    print('%d files written to %s' % (len(files), HERE))
