# tcp|udp BIND PORT: answers every connection (or datagram) with the address it came from, then closes.
# Prints "ready" once listening. A dual-stack bind (::) reports IPv4 peers without the ::ffff: prefix.
import os, socket, sys

proto, bind, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
family = socket.AF_INET6 if ":" in bind else socket.AF_INET
s = socket.socket(family, socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM)
if family == socket.AF_INET6:
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((bind, port))

def name(addr):
    return addr[0][7:] if addr[0].startswith("::ffff:") else addr[0]

if proto == "tcp":
    s.listen(64)
    os.write(1, b"ready\n")  # one write: servers that share a pipe must not interleave their lines
    while True:
        c, addr = s.accept()
        c.sendall((name(addr) + "\n").encode())
        c.close()
else:
    os.write(1, b"ready\n")  # one write: servers that share a pipe must not interleave their lines
    while True:
        data, addr = s.recvfrom(2048)
        s.sendto((name(addr) + "\n").encode(), addr)
