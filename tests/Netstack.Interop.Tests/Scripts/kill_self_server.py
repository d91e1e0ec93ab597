# BIND PORT: accepts one connection, says "ready", and kills itself with SIGKILL when the client sends a byte.
import os, signal, socket, sys

bind, port = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET6 if ":" in bind else socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((bind, port))
s.listen(1)
os.write(1, b"ready\n")  # one write: servers that share a pipe must not interleave their lines
c, _ = s.accept()
c.sendall(b"ready\n")
c.recv(1)
os.kill(os.getpid(), signal.SIGKILL)
