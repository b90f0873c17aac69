#!/usr/bin/env python3
# summary: the client/server programs behind each capture in tests/captures; make-captures.sh runs one per private netns.
#
# usage: scenarios.py NAME   (inside a network namespace with lo up and tcpdump listening)
# Every step waits on a socket event (accept, recv, EOF, error), never on a timer, except
# where the passing of time is the point (keep-alive, zero-window probes, retransmissions).
import socket
import sys
import threading
import time

PORT = 8000


def listener(family=socket.AF_INET, host="127.0.0.1", rcvbuf=None):
    s = socket.socket(family, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)  # before listen: inherited
    s.bind((host, PORT))
    s.listen(4)
    return s


def serve(ls, fn):
    """Accept one connection in a thread and run fn on it."""
    def run():
        c, _ = ls.accept()
        try:
            fn(c)
        finally:
            c.close()
    t = threading.Thread(target=run)
    t.start()
    return t


def read_to_eof(s):
    data = b""
    while True:
        b = s.recv(4096)
        if not b:
            return data
        data += b


def client_close_first(family=socket.AF_INET, host="127.0.0.1"):
    # One UDP datagram first, so frame numbers count a non-TCP packet (and its ICMP reply).
    if family == socket.AF_INET:
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.sendto(b"not tcp", ("127.0.0.1", 9))
        u.close()
    ls = listener(family, host)

    def echo(c):
        c.sendall(c.recv(100))
        read_to_eof(c)          # the client's FIN
    t = serve(ls, echo)
    s = socket.create_connection((host, PORT))
    s.sendall(b"hello")
    assert s.recv(100) == b"hello"
    s.close()
    t.join()


def ipv6():
    client_close_first(socket.AF_INET6, "::1")


def server_close_first():
    ls = listener()
    t = serve(ls, lambda c: c.sendall(b"bye\n"))
    s = socket.create_connection(("127.0.0.1", PORT))
    assert read_to_eof(s) == b"bye\n"
    s.close()
    t.join()


def half_close():
    ls = listener()

    def srv(c):
        req = read_to_eof(c)
        c.sendall(b"reply to " + req)
    t = serve(ls, srv)
    s = socket.create_connection(("127.0.0.1", PORT))
    s.sendall(b"request")
    s.shutdown(socket.SHUT_WR)
    assert read_to_eof(s) == b"reply to request"
    s.close()
    t.join()


def rst_unread():
    import select
    ls = listener()

    def srv(c):
        select.select([c], [], [])  # the data is there; close without reading it -> RST
    t = serve(ls, srv)
    s = socket.create_connection(("127.0.0.1", PORT))
    s.sendall(b"never read")
    try:
        s.recv(100)
    except ConnectionResetError:
        pass
    s.close()
    t.join()


def refused():
    try:
        socket.create_connection(("127.0.0.1", PORT + 1))
    except ConnectionRefusedError:
        return
    raise SystemExit("connect to a closed port succeeded")


def keepalive():
    ls = listener()
    done = threading.Event()
    t = serve(ls, lambda c: done.wait())
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 1)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, 1)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, 3)
    s.connect(("127.0.0.1", PORT))
    s.sendall(b"ping")
    time.sleep(2.5)             # the point: two keep-alive probes at about +1 s and +2 s
    s.close()
    done.set()
    t.join()


def zero_window():
    ls = listener(rcvbuf=4096)
    done = threading.Event()
    t = serve(ls, lambda c: done.wait())    # never reads
    s = socket.create_connection(("127.0.0.1", PORT))
    s.setblocking(False)
    sent = 0
    try:
        while sent < 200000:
            sent += s.send(b"z" * 1000)
    except BlockingIOError:
        pass
    time.sleep(1.8)             # the point: zero-window probes at about +0.3, 0.7, 1.6 s
    done.set()                  # server closes with unread data: RST
    t.join()
    s.close()


def retransmission():
    # make-captures.sh drops the first two copies of the "LOSE" segment at INPUT (after
    # tcpdump saw them on lo): the tail loss probe and then the RTO resend it.
    ls = listener()
    t = serve(ls, lambda c: c.sendall(c.recv(100)) or read_to_eof(c))
    s = socket.create_connection(("127.0.0.1", PORT))
    s.sendall(b"LOSE this one")
    assert s.recv(100) == b"LOSE this one"
    s.close()
    t.join()


def dup_ack():
    # MSS 100 and a corked 600-byte write; make-captures.sh drops the first packet that
    # holds SEG2 (on lo a GSO packet of several segments), the receiver SACKs what follows
    # with a duplicate ACK, and the sender resends the hole at once.
    ls = listener()

    def srv(c):
        data = b""
        while len(data) < 600:
            data += c.recv(1000)
        c.sendall(b"got %d" % len(data))
        read_to_eof(c)
    t = serve(ls, srv)
    s = socket.socket()
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, 100)
    s.connect(("127.0.0.1", PORT))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 1)
    s.sendall(b"".join((b"SEG%d" % i).ljust(100, b".") for i in range(1, 7)))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 0)
    s.recv(100)
    s.close()
    t.join()


def port_reuse():
    ls = listener()

    def srv(c):
        c.sendall(c.recv(100))
        try:
            read_to_eof(c)
        except ConnectionResetError:
            pass

    for i, word in enumerate((b"one", b"two")):
        t = serve(ls, srv)
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", 40000))
        s.connect(("127.0.0.1", PORT))
        s.sendall(word)
        assert s.recv(100) == word
        if i == 0:              # abort: RST, no TIME-WAIT, so the port is free again
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\0\0\0\0\0\0\0")
        s.close()
        t.join()


if __name__ == "__main__":
    globals()[sys.argv[1]]()
