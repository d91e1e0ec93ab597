namespace Netstack.Interop;

/// <summary>
/// The TUN/TAP driver's ioctls and flags (linux/if_tun.h) and the netdevice ioctls (linux/sockios.h, netdevice(7))
/// used to read and set an interface's MTU and up flag.
/// </summary>
internal static class TunIoctl
{
    // _IOW('T', 202, int) and friends, spelled out: dir(2 bits) << 30 | size << 16 | type << 8 | nr.
    public const uint TUNSETIFF = 0x400454ca;
    public const uint TUNSETPERSIST = 0x400454cb;
    public const uint TUNSETOFFLOAD = 0x400454d0;
    public const uint TUNGETIFF = 0x800454d2;
    public const uint TUNSETVNETHDRSZ = 0x400454d8;
    public const uint TUNSETQUEUE = 0x400454d9;

    // ifr_flags for TUNSETIFF.
    public const short IFF_TUN = 0x0001;
    public const short IFF_TAP = 0x0002;
    public const short IFF_MULTI_QUEUE = 0x0100;
    public const short IFF_NO_PI = 0x1000;
    public const short IFF_VNET_HDR = 0x4000;

    // TUNSETOFFLOAD flags: what the kernel may hand us (partial checksums, TCP super-segments).
    public const uint TUN_F_CSUM = 0x01;
    public const uint TUN_F_TSO4 = 0x02;
    public const uint TUN_F_TSO6 = 0x04;
    public const uint TUN_F_TSO_ECN = 0x08;
    public const uint TUN_F_USO4 = 0x20; // Linux 6.2+: UDP super-datagrams (VIRTIO_NET_HDR_GSO_UDP_L4)
    public const uint TUN_F_USO6 = 0x40;

    // netdevice(7).
    public const uint SIOCGIFFLAGS = 0x8913;
    public const uint SIOCSIFFLAGS = 0x8914;
    public const uint SIOCGIFMTU = 0x8921;
    public const uint SIOCSIFMTU = 0x8922;
    public const uint SIOCGIFTXQLEN = 0x8942;
    public const uint SIOCSIFTXQLEN = 0x8943;

    // Interface flags (ifr_flags for SIOCGIFFLAGS).
    public const short IFF_UP = 0x1;
}
