# tcp|udp HOST PORT: prints what a peer_server.py answers (for UDP, three tries of one datagram).
import socket, sys

proto, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
family = socket.AF_INET6 if ":" in host else socket.AF_INET
if proto == "tcp":
    s = socket.create_connection((host, port), timeout=10)
    data = b""
    while True:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    print("peer", data.decode().strip())
else:
    s = socket.socket(family, socket.SOCK_DGRAM)
    s.settimeout(2)
    for _ in range(3):
        s.sendto(b"who", (host, port))
        try:
            print("peer", s.recv(2048).decode().strip())
            break
        except socket.timeout:
            pass
