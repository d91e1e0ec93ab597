# Turns off TX checksum offload (ETHTOOL_STXCSUM) on the given interface in the current namespace, so captured TCP/UDP checksums are complete.
import ctypes, fcntl, socket, struct, sys
class EthtoolValue(ctypes.Structure):
    _fields_ = [("cmd", ctypes.c_uint32), ("data", ctypes.c_uint32)]
val = EthtoolValue(0x17, 0)
ifr = struct.pack("16sP", sys.argv[1].encode(), ctypes.addressof(val)) + b"\0" * 16
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
fcntl.ioctl(s.fileno(), 0x8946, ifr)
