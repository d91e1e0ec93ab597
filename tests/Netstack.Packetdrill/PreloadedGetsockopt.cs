using System.Runtime.InteropServices;

namespace Netstack.Packetdrill;

/// <summary>
/// packetdrill's code events (<c>%{ }%</c>) do not go through the shared-object interface: before running a script's
/// Python they call the C library's <c>getsockopt</c> on the socket's live descriptor for TCP_INFO, TCP_CC_INFO and
/// SO_MEMINFO (packetdrill's code.c, <c>get_data</c>). With this library also preloaded (<c>LD_PRELOAD</c>, as run.sh
/// and the tests run packetdrill), its exported <c>getsockopt</c> takes those calls: a descriptor of ours is answered
/// by the stack, as <see cref="Calls.Getsockopt"/> answers, and every other call goes on to the C library's.
/// </summary>
internal static unsafe class PreloadedGetsockopt
{
    private const int SOL_SOCKET = 1, IPPROTO_TCP = 6, TCP_INFO = 11, TCP_CC_INFO = 26, SO_MEMINFO = 55;

    private static readonly delegate* unmanaged<int, int, int, byte*, uint*, int> s_libc =
        (delegate* unmanaged<int, int, int, byte*, uint*, int>)NativeLibrary.GetExport(NativeLibrary.Load("libc.so.6"), "getsockopt");

    [UnmanagedCallersOnly(EntryPoint = "getsockopt")]
    private static int Getsockopt(int fd, int level, int name, byte* value, uint* length)
    {
        if (Exports.CurrentHostOrNull?.Sockets.Socket(fd) is not DrillSocket socket)
        {
            return s_libc(fd, level, name, value, length);
        }
        if (value == null || length == null)
        {
            Errno.Value = Errno.EFAULT;
            return -1;
        }
        try
        {
            var room = new Span<byte>(value, (int)*length);
            long result = Answer(socket, level, name, room);
            if (result < 0)
            {
                Errno.Value = (int)-result;
                return -1;
            }
            *length = (uint)result;
            return 0;
        }
        catch (Exception e)
        {
            Exports.Report(e, "getsockopt");
            Errno.Value = Errno.EIO;
            return -1;
        }
    }

    /// <summary>
    /// The three options code events read, sized for packetdrill's structures (which may be newer than ours: the
    /// fields we do not have read 0); anything else as the interface's getsockopt answers it.
    /// </summary>
    private static long Answer(DrillSocket socket, int level, int name, Span<byte> room)
    {
        switch ((level, name))
        {
            case (IPPROTO_TCP, TCP_INFO):
                room.Clear();
                long written = SocketOptions.Get(socket, level, name, room);
                return written < 0 ? written : room.Length;
            case (IPPROTO_TCP, TCP_CC_INFO):
                return 0; // Linux: 0 bytes for an algorithm without get_info (cubic, reno)
            case (SOL_SOCKET, SO_MEMINFO):
                room.Clear();
                MemoryInfo(socket, room);
                return room.Length;
            default:
                return SocketOptions.Get(socket, level, name, room);
        }
    }

    /// <summary>Linux's SK_MEMINFO_* array: the receive and send buffer sizes and what is queued in them.</summary>
    private static void MemoryInfo(DrillSocket socket, Span<byte> room)
    {
        Span<uint> values = MemoryMarshal.Cast<byte, uint>(room);
        Transport.Tcp.TcpInfo? info = socket.Endpoint?.GetInfo();
        if (values.Length >= 6)
        {
            values[0] = (uint)(info?.ReceiveQueueBytes ?? 0);          // RMEM_ALLOC
            values[1] = (uint)socket.LiveOptions.ReceiveBufferSize;    // RCVBUF
            values[2] = (uint)(info?.BytesInFlight ?? 0);              // WMEM_ALLOC
            values[3] = (uint)socket.LiveOptions.SendBufferSize;       // SNDBUF
            values[5] = (uint)(info?.SendBufferBytes ?? 0);            // WMEM_QUEUED
        }
    }
}
