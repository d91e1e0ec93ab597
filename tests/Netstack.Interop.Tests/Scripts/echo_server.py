# BIND PORT: a TCP echo server (a thread per connection); half-closes after the client's FIN. Prints "ready".
import os, socket, sys, threading

bind, port = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET6 if ":" in bind else socket.AF_INET, socket.SOCK_STREAM)
if ":" in bind:
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((bind, port))
s.listen(64)
os.write(1, b"ready\n")  # one write: servers that share a pipe must not interleave their lines

def echo(c):
    with c:
        while True:
            data = c.recv(1 << 20)
            if not data:
                c.shutdown(socket.SHUT_WR)
                return
            c.sendall(data)

while True:
    c, _ = s.accept()
    threading.Thread(target=echo, args=(c,), daemon=True).start()
