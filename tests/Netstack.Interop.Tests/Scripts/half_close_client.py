# Two connections to HOST PORT (the test's half-close server):
# 1. sends "from-ns", shuts down its sending side, and reads to EOF: the server answers after seeing the FIN;
# 2. reads to EOF first (the server half-closes at once), then still sends "after-eof" and closes.
import socket, sys

host, port = sys.argv[1], int(sys.argv[2])

def read_all(s):
    data = b""
    while True:
        chunk = s.recv(4096)
        if not chunk:
            return data
        data += chunk

a = socket.create_connection((host, port), timeout=10)
a.sendall(b"from-ns")
a.shutdown(socket.SHUT_WR)
print("first", read_all(a).decode(), flush=True)
a.close()

b = socket.create_connection((host, port), timeout=10)
print("second", read_all(b).decode(), flush=True)
b.sendall(b"after-eof")
b.shutdown(socket.SHUT_WR)
b.recv(1)  # the server's close
b.close()
print("done", flush=True)
