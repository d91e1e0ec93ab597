# Sends one datagram of each SIZE to HOST PORT and checks that the same bytes come back (three tries each).
# Prints "ok SIZE" or "FAIL SIZE" per size.
import os, socket, sys

host, port, sizes = sys.argv[1], int(sys.argv[2]), [int(a) for a in sys.argv[3:]]
family = socket.AF_INET6 if ":" in host else socket.AF_INET
s = socket.socket(family, socket.SOCK_DGRAM)
s.settimeout(2)
for size in sizes:
    payload = os.urandom(size)
    ok = False
    for _ in range(3):
        s.sendto(payload, (host, port))
        try:
            while True:
                reply = s.recv(65536)
                if reply == payload:
                    ok = True
                    break
        except socket.timeout:
            continue
        if ok:
            break
    print(("ok" if ok else "FAIL"), size, flush=True)
