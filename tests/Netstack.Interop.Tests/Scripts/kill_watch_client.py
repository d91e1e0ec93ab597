# Connects to HOST PORT (a kill_self_server.py), waits for "ready", sends the byte that makes the server kill
# itself, and prints "closed SECONDS HOW" when the connection ends (EOF or reset), or "open" after 10 s.
import socket, sys, time

s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10)
buf = b""
while not buf.endswith(b"\n"):
    buf += s.recv(64)
s.settimeout(10)
t0 = time.monotonic()
s.sendall(b"k")
try:
    how = "eof" if s.recv(64) == b"" else "data"
except ConnectionResetError:
    how = "reset"
except socket.timeout:
    print("open")
    sys.exit(0)
print("closed %.3f %s" % (time.monotonic() - t0, how))
