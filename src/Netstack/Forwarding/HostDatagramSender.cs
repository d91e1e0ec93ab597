using System.Runtime.InteropServices;
using Netstack.Interop;

namespace Netstack.Forwarding;

/// <summary>
/// Gathers the datagrams one flow sends while the dispatcher works through a batch of packets, and sends them with
/// one <c>sendmmsg</c> when the batch is done, when another flow's datagram comes, or when it is full. A run of
/// equal-sized datagrams (a USO super-packet from the namespace) is one message with a UDP_SEGMENT control message:
/// the kernel cuts it, and segments it again only if the route's device cannot (udp(7)). Datagrams are copied in,
/// since the stack's packet buffers are reused as soon as delivery returns. Only the thread serving the readiness set
/// uses it. UDP semantics hold: a full socket buffer drops (counted), an ICMP error for an earlier datagram loses
/// only the datagram that reported it.
/// </summary>
internal sealed unsafe class HostDatagramSender : IDisposable
{
    private const int MaxMessages = 64;
    private const int Capacity = 256 * 1024;
    private const int ControlSize = 24; // CMSG_SPACE(sizeof(ushort))

    private readonly MMsgHdr* _messages;
    private readonly IoVec* _vectors;
    private readonly byte* _control;
    private readonly byte* _data;
    private readonly HostForwarderStatistics _stats;
    private SafeHandle? _owner;
    private int _count;
    private int _used;
    private bool _disposed;

    public HostDatagramSender(HostForwarderStatistics stats)
    {
        _stats = stats;
        _messages = (MMsgHdr*)NativeMemory.AllocZeroed(MaxMessages, (nuint)sizeof(MMsgHdr));
        _vectors = (IoVec*)NativeMemory.Alloc(MaxMessages, (nuint)sizeof(IoVec));
        _control = (byte*)NativeMemory.AllocZeroed(MaxMessages, ControlSize);
        _data = (byte*)NativeMemory.Alloc(Capacity);
    }

    /// <summary>The datagrams waiting to be sent.</summary>
    public int Pending => _count;

    /// <summary>
    /// Queues <paramref name="payload"/> for <paramref name="socket"/> (one datagram, or with <paramref name="segmentSize"/>
    /// &gt; 0 a run of datagrams of that size), sending what another socket queued first.
    /// </summary>
    public void Add(SafeHandle socket, ReadOnlySpan<byte> payload, int segmentSize)
    {
        if (_owner != socket || _count == MaxMessages || _used + payload.Length > Capacity)
        {
            Flush();
            _owner = socket;
        }
        byte* data = _data + _used;
        payload.CopyTo(new Span<byte>(data, payload.Length));
        _used += payload.Length;
        int i = _count++;
        _vectors[i] = new IoVec { Base = data, Length = (nuint)payload.Length };
        MsgHdr header = new() { Vectors = _vectors + i, VectorCount = 1 };
        if (segmentSize > 0 && segmentSize < payload.Length)
        {
            byte* control = _control + i * ControlSize;
            *(CmsgHdr*)control = new CmsgHdr { Length = (nuint)(sizeof(CmsgHdr) + sizeof(ushort)), Level = LibC.SOL_UDP, Type = LibC.UDP_SEGMENT };
            *(ushort*)(control + sizeof(CmsgHdr)) = (ushort)segmentSize;
            header.Control = control;
            header.ControlLength = ControlSize;
        }
        _messages[i] = new MMsgHdr { Header = header };
    }

    /// <summary>Sends everything queued (a no-op when nothing is).</summary>
    public void Flush()
    {
        SafeHandle? owner = _owner;
        int count = _count;
        _owner = null;
        _count = 0;
        _used = 0;
        if (owner is null || count == 0)
        {
            return;
        }
        bool added = false;
        try
        {
            owner.DangerousAddRef(ref added);
            SendAll((int)owner.DangerousGetHandle(), count);
        }
        catch (ObjectDisposedException)
        {
            Interlocked.Add(ref _stats.UdpSendDropped, count); // the flow ended while its datagrams waited
        }
        finally
        {
            if (added)
            {
                owner.DangerousRelease();
            }
        }
    }

    private void SendAll(int fd, int count)
    {
        int start = 0;
        while (start < count)
        {
            int sent = LibC.SendMMsg(fd, _messages + start, (uint)(count - start), LibC.MSG_DONTWAIT | LibC.MSG_NOSIGNAL);
            if (sent > 0)
            {
                start += sent;
                continue;
            }
            int errno = sent < 0 ? Errno.Last : Errno.EAGAIN;
            if (errno == Errno.EINTR)
            {
                continue;
            }
            if (errno == Errno.EAGAIN)
            {
                Interlocked.Add(ref _stats.UdpSendDropped, count - start); // the socket buffer is full: UDP drops
                return;
            }
            if ((errno is LibC.EINVAL or LibC.EMSGSIZE or Errno.EIO) && _messages[start].Header.Control != null)
            {
                SendSegments(fd, start); // the kernel refused to segment this run (no UDP_SEGMENT, or too large for the device)
            }
            else if (errno != 111) // ECONNREFUSED reports an ICMP port unreachable for an earlier datagram: this one is lost
            {
                Interlocked.Increment(ref _stats.UdpSendDropped);
            }
            start++;
        }
    }

    /// <summary>Sends a run message's datagrams one by one, as if it had had no UDP_SEGMENT.</summary>
    private void SendSegments(int fd, int index)
    {
        IoVec vector = _vectors[index];
        int segmentSize = *(ushort*)((byte*)_messages[index].Header.Control + sizeof(CmsgHdr));
        for (int offset = 0; offset < (int)vector.Length; offset += segmentSize)
        {
            int length = Math.Min(segmentSize, (int)vector.Length - offset);
            if (LibC.Send(fd, vector.Base + offset, (nuint)length, LibC.MSG_DONTWAIT | LibC.MSG_NOSIGNAL) < 0 && Errno.Last != 111)
            {
                Interlocked.Increment(ref _stats.UdpSendDropped);
            }
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _owner = null;
        NativeMemory.Free(_messages);
        NativeMemory.Free(_vectors);
        NativeMemory.Free(_control);
        NativeMemory.Free(_data);
    }
}
