# Sends COUNT deterministic pseudo-random bytes to HOST PORT while reading the echo back, half-closes after the
# last byte, reads to EOF, and prints the SHA-256 and length of both directions and the time taken. With a fourth
# argument "no-half-close" it never half-closes and stops reading after COUNT bytes (for relays such as microsocks
# that close both directions at the first EOF).
import hashlib, random, socket, sys, threading, time

host, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
half_close = sys.argv[4:] != ["no-half-close"]
data = random.Random(20261206).randbytes(count)
s = socket.create_connection((host, port), timeout=60)
t0 = time.monotonic()

def send():
    view = memoryview(data)
    for i in range(0, len(view), 1 << 20):
        s.sendall(view[i:i + (1 << 20)])
    if half_close:
        s.shutdown(socket.SHUT_WR)

sender = threading.Thread(target=send)
sender.start()
h = hashlib.sha256()
received = 0
while half_close or received < count:
    chunk = s.recv(1 << 20)
    if not chunk:
        break
    h.update(chunk)
    received += len(chunk)
sender.join()
elapsed = time.monotonic() - t0
print("sent", hashlib.sha256(data).hexdigest(), len(data))
print("received", h.hexdigest(), received)
print("seconds %.3f" % elapsed)
