# Runs in namespace A: speaks TCP by hand from 10.9.1.7 (an address A does not own, so A's kernel stays silent)
# to a real Linux listener on B, sends data out of order and records B's SACKs. Usage: inject.py <a0 mac> <b0 mac>
import socket, struct, sys, time
IF = 'a0'
smac = bytes.fromhex(sys.argv[1].replace(':', '')); dmac = bytes.fromhex(sys.argv[2].replace(':', ''))
src = socket.inet_aton('10.9.1.7'); dst = socket.inet_aton('10.9.1.2'); sport, dport = 40000, 8080
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800)); s.bind((IF, 0)); s.settimeout(2)
def csum(b):
    if len(b) % 2: b += b'\0'
    t = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while t >> 16: t = (t & 0xffff) + (t >> 16)
    return (~t) & 0xffff
ipid = 100
def send(seq, ack, flags, opts=b'', data=b''):
    global ipid
    ipid += 1
    off = (20 + len(opts)) // 4
    tcp = struct.pack('!HHIIBBHHH', sport, dport, seq, ack, off << 4, flags, 502, 0, 0) + opts + data
    c = csum(src + dst + struct.pack('!BBH', 0, 6, len(tcp)) + tcp)
    tcp = tcp[:16] + struct.pack('!H', c) + tcp[18:]
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(tcp), ipid, 0x4000, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack('!H', csum(ip)) + ip[12:]
    s.send(dmac + smac + b'\x08\x00' + ip + tcp)
def recv():
    end = time.time() + 2
    while time.time() < end:
        f = s.recv(2048)
        if f[12:14] == b'\x08\x00' and f[23] == 6 and f[30:34] == src:
            ihl = (f[14] & 15) * 4
            t = f[14 + ihl:]
            return struct.unpack('!II', t[4:12]) + (t[13], t[20:(t[12] >> 4) * 4])
    raise SystemExit('no reply')
ts = 1000
def tsopt(ecr): return b'\x01\x01\x08\x0a' + struct.pack('!II', ts, ecr)
isn = 0x11223344
send(isn, 0, 0x02, b'\x02\x04\x05\xb4\x04\x02\x08\x0a' + struct.pack('!II', ts, 0) + b'\x01\x03\x03\x07')
seq, ack, flags, opts = recv()
peer = struct.unpack('!I', opts[opts.find(b'\x08\x0a') + 2:][:4])[0]
rcv = seq + 1; snd = isn + 1
ts += 1; send(snd, rcv, 0x10, tsopt(peer))
time.sleep(0.05)
ts += 1; send(snd + 100, rcv, 0x18, tsopt(peer), b'B' * 100)   # hole at [snd, snd+100)
print('sack1', recv())
ts += 1; send(snd + 300, rcv, 0x18, tsopt(peer), b'D' * 100)   # second hole at [snd+200, snd+300)
print('sack2', recv())
ts += 1; send(snd + 500, rcv, 0x18, tsopt(peer), b'F' * 100)
print('sack3', recv())
ts += 1; send(snd, rcv, 0x18, tsopt(peer), b'A' * 100)
print('ack', recv())
ts += 1; send(snd + 600, rcv, 0x04)
