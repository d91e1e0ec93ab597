using System.Runtime.InteropServices;
using Netstack.Interop;

namespace Netstack.Forwarding;

/// <summary>
/// Reads what waits on a host UDP socket with one <c>recvmmsg</c> for up to <see cref="Slots"/> datagrams. A socket
/// with UDP_GRO on may return a coalesced run in one slot: <see cref="SegmentSize"/> then says how to cut it. A call
/// that fills fewer slots than it offered found the queue empty, so a drained socket costs no extra call that ends in
/// EAGAIN. The buffers are native memory, allocated once; only the thread serving the readiness set uses them.
/// </summary>
internal sealed unsafe class HostDatagramReceiver : IDisposable
{
    public const int Slots = 8;
    private const int SlotSize = 65536; // a whole UDP datagram, or a GRO run (the kernel caps one at 64 KiB)
    private const int ControlSize = 32; // CMSG_SPACE(sizeof(int)) = 24, rounded up

    private readonly MMsgHdr* _messages;
    private readonly IoVec* _vectors;
    private readonly byte* _control;
    private readonly byte* _data;
    private bool _disposed;

    public HostDatagramReceiver()
    {
        _messages = (MMsgHdr*)NativeMemory.AllocZeroed(Slots, (nuint)sizeof(MMsgHdr));
        _vectors = (IoVec*)NativeMemory.Alloc(Slots, (nuint)sizeof(IoVec));
        _control = (byte*)NativeMemory.Alloc(Slots, ControlSize);
        _data = (byte*)NativeMemory.Alloc(Slots, SlotSize);
    }

    /// <summary>Turns on UDP_GRO for <paramref name="fd"/> where the kernel has it (Linux 5.0); false otherwise.</summary>
    public static bool EnableGro(int fd)
    {
        int on = 1;
        return LibC.SetSockOpt(fd, LibC.SOL_UDP, LibC.UDP_GRO, &on, sizeof(int)) == 0;
    }

    /// <summary>Receives without waiting: the number of slots filled (0 when nothing waits), or -errno.</summary>
    public int Receive(int fd)
    {
        for (int i = 0; i < Slots; i++)
        {
            _vectors[i] = new IoVec { Base = _data + (nint)i * SlotSize, Length = SlotSize };
            _messages[i] = new MMsgHdr
            {
                Header = new MsgHdr { Vectors = _vectors + i, VectorCount = 1, Control = _control + i * ControlSize, ControlLength = ControlSize },
            };
        }
        int n = LibC.RecvMMsg(fd, _messages, Slots, LibC.MSG_DONTWAIT, null);
        if (n >= 0)
        {
            return n;
        }
        int errno = Errno.Last;
        return errno == Errno.EAGAIN ? 0 : -errno;
    }

    /// <summary>The datagram (or GRO run) in slot <paramref name="index"/> of the last <see cref="Receive"/>.</summary>
    public ReadOnlySpan<byte> Datagram(int index) => new(_data + (nint)index * SlotSize, (int)_messages[index].Length);

    /// <summary>The UDP_GRO segment size of slot <paramref name="index"/>'s run, or 0 for a single datagram.</summary>
    public int SegmentSize(int index)
    {
        MsgHdr* header = &_messages[index].Header;
        byte* control = (byte*)header->Control;
        byte* end = control + (int)header->ControlLength;
        // CMSG_FIRSTHDR / CMSG_NXTHDR over what the kernel filled in (cmsg(3)).
        for (byte* p = control; p + sizeof(CmsgHdr) <= end;)
        {
            var cmsg = (CmsgHdr*)p;
            if ((int)cmsg->Length < sizeof(CmsgHdr))
            {
                break;
            }
            if (cmsg->Level == LibC.SOL_UDP && cmsg->Type == LibC.UDP_GRO)
            {
                int size = *(int*)(p + sizeof(CmsgHdr));
                return size < (int)_messages[index].Length ? size : 0;
            }
            p += ((int)cmsg->Length + 7) & ~7;
        }
        return 0;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        NativeMemory.Free(_messages);
        NativeMemory.Free(_vectors);
        NativeMemory.Free(_control);
        NativeMemory.Free(_data);
    }
}
