# Sends COUNT deterministic pseudo-random bytes to HOST PORT while reading the echo back, half-closes after the
# last byte, reads to EOF, and prints the SHA-256 and length of both directions and the time taken.
# With a fourth argument "lockstep" it sends 64 KiB at a time and reads each echo before the next, and never
# half-closes: for relays like microsocks, which close both directions at the first EOF and relay with blocking
# writes in one thread (so a full-duplex bulk echo through them can deadlock).
import hashlib, random, socket, sys, threading, time

host, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
lockstep = sys.argv[4:] == ["lockstep"]
data = random.Random(20261206).randbytes(count)
s = socket.create_connection((host, port), timeout=60)
t0 = time.monotonic()
h = hashlib.sha256()
received = 0

if lockstep:
    for i in range(0, count, 1 << 16):
        block = data[i:i + (1 << 16)]
        s.sendall(block)
        got = 0
        while got < len(block):
            chunk = s.recv(len(block) - got)
            if not chunk:
                break
            h.update(chunk)
            got += len(chunk)
        received += got
        if got < len(block):
            break
else:
    def send():
        view = memoryview(data)
        for i in range(0, len(view), 1 << 20):
            s.sendall(view[i:i + (1 << 20)])
        s.shutdown(socket.SHUT_WR)

    sender = threading.Thread(target=send)
    sender.start()
    while True:
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
