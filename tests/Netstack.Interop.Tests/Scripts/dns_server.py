# A minimal DNS responder for tests, on UDP and TCP BIND PORT: answers A and AAAA for one NAME with the given
# addresses, NXDOMAIN for other names. With a sixth argument "tc", UDP answers are truncated (the TC bit, no
# records), so clients must ask again over TCP. Prints "ready" once both sockets listen.
import os, ipaddress, socket, struct, sys, threading

bind, port, name, a, aaaa = sys.argv[1], int(sys.argv[2]), sys.argv[3].lower().rstrip("."), sys.argv[4], sys.argv[5]
truncate_udp = len(sys.argv) > 6 and sys.argv[6] == "tc"
family = socket.AF_INET6 if ":" in bind else socket.AF_INET

def truncated(query):
    qid, flags = struct.unpack("!HH", query[:4])
    i = 12
    while query[i] != 0:
        i += 1 + query[i]
    return struct.pack("!HHHHHH", qid, 0x8280 | (flags & 0x0100), 1, 0, 0, 0) + query[12:i + 5]

def answer(query):
    qid, flags = struct.unpack("!HH", query[:4])
    i, labels = 12, []
    while query[i] != 0:
        labels.append(query[i + 1:i + 1 + query[i]].decode().lower())
        i += 1 + query[i]
    qtype = struct.unpack("!H", query[i + 1:i + 3])[0]
    question = query[12:i + 5]
    rdata = None
    if ".".join(labels) == name:
        if qtype == 1:
            rdata = ipaddress.IPv4Address(a).packed
        elif qtype == 28:
            rdata = ipaddress.IPv6Address(aaaa).packed
    rcode = 0 if ".".join(labels) == name else 3
    header = struct.pack("!HHHHHH", qid, 0x8180 | (flags & 0x0100) | rcode, 1, 1 if rdata else 0, 0, 0)
    record = struct.pack("!HHHIH", 0xC00C, qtype, 1, 60, len(rdata)) + rdata if rdata else b""
    return header + question + record

udp = socket.socket(family, socket.SOCK_DGRAM)
udp.bind((bind, port))
tcp = socket.socket(family, socket.SOCK_STREAM)
tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
tcp.bind((bind, port))
tcp.listen(16)

def serve_udp():
    while True:
        data, addr = udp.recvfrom(4096)
        udp.sendto(truncated(data) if truncate_udp else answer(data), addr)

def serve_tcp():
    while True:
        c, _ = tcp.accept()
        try:
            n = struct.unpack("!H", c.recv(2, socket.MSG_WAITALL))[0]
            reply = answer(c.recv(n, socket.MSG_WAITALL))
            c.sendall(struct.pack("!H", len(reply)) + reply)
        finally:
            c.close()

threading.Thread(target=serve_udp, daemon=True).start()
os.write(1, b"ready\n")  # one write: servers that share a pipe must not interleave their lines
serve_tcp()
