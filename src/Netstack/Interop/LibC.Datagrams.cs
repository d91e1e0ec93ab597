using System.Runtime.InteropServices;

namespace Netstack.Interop;

/// <summary>
/// Batched datagram calls for the forwarder's host UDP sockets: recvmmsg(2)/sendmmsg(2), and udp(7)'s segmentation
/// offloads — UDP_SEGMENT (one send of many equal datagrams) and UDP_GRO (one receive of many).
/// </summary>
internal static unsafe partial class LibC
{
    public const int SOL_UDP = 17;

    /// <summary>udp(7), Linux 4.18: as a control message on send, the size to cut the payload into (a u16).</summary>
    public const int UDP_SEGMENT = 103;

    /// <summary>udp(7), Linux 5.0: as a socket option, coalesce arrivals; on receive, a control message gives the segment size (an int).</summary>
    public const int UDP_GRO = 104;

    public const int EMSGSIZE = 90;
    public const int EINVAL = 22;

    [LibraryImport(Library, EntryPoint = "recvmmsg", SetLastError = true)]
    public static partial int RecvMMsg(int fd, MMsgHdr* messages, uint count, int flags, void* timeout);

    [LibraryImport(Library, EntryPoint = "sendmmsg", SetLastError = true)]
    public static partial int SendMMsg(int fd, MMsgHdr* messages, uint count, int flags);
}

/// <summary>C <c>struct mmsghdr</c>: a message and the bytes the call moved for it.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct MMsgHdr
{
    public MsgHdr Header;
    public uint Length;
}
