# Connects to HOST PORT, says "ready", and kills itself with SIGKILL when the server sends a byte.
import os, signal, socket, sys

s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10)
s.sendall(b"ready\n")
s.settimeout(None)
s.recv(1)
os.kill(os.getpid(), signal.SIGKILL)
