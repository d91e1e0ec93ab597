# Connects to HOST PORT where nothing listens; prints "refused SECONDS" (or what happened instead).
import socket, sys, time

host, port = sys.argv[1], int(sys.argv[2])
t0 = time.monotonic()
try:
    socket.create_connection((host, port), timeout=30)
    print("connected")
except ConnectionRefusedError:
    print("refused %.3f" % (time.monotonic() - t0))
except OSError as e:
    print("error %s %.3f" % (e, time.monotonic() - t0))
