using System.Buffers.Binary;
using Netstack.Buffers;
using Netstack.Link;
using Netstack.Wire;

namespace Netstack.Tests.Tcp;

/// <summary>
/// A hand-driven IPv4 TCP peer on one end of an in-memory link, for tests that need many connections to a real
/// <see cref="Stack.NetStack"/>: it writes segments built by hand (each into a pool block of a chosen size, so a test
/// can make them arrive the way a vnet_hdr TUN read does, one 64 KiB block per packet) and remembers the last
/// segment the stack sent to each of its ports. Use it with <see cref="ChannelDispatchMode.Inline"/>: a send returns
/// after the stack has handled it and answered.
/// </summary>
internal sealed class RawTcpPeer : INetworkDispatcher
{
    private readonly ChannelLink _link;
    private readonly PacketPool _pool;
    private readonly NetAddress _address;
    private readonly NetAddress _stackAddress;
    private readonly PacketBatch _batch = new();
    private readonly Dictionary<ushort, Received> _last = [];

    public RawTcpPeer(ChannelLink link, PacketPool pool, NetAddress address, NetAddress stackAddress)
    {
        _link = link;
        _pool = pool;
        _address = address;
        _stackAddress = stackAddress;
        link.Attach(this);
    }

    /// <summary>What the stack last sent to one of our ports.</summary>
    public readonly record struct Received(uint Seq, uint Ack, TcpFlags Flags, ushort Window);

    /// <summary>The size asked of the pool for each packet (at least the packet): 65536 rents 64 KiB blocks.</summary>
    public int BlockSize { get; init; }

    /// <summary>
    /// Leave the TCP checksum out and mark packets as verified, as a vnet_hdr read with <c>VIRTIO_NET_HDR_F_DATA_VALID</c>
    /// arrives (the stack then skips verifying it).
    /// </summary>
    public bool ChecksumVouched { get; init; }

    /// <summary>Segments the stack sent us.</summary>
    public long ReceivedCount { get; private set; }

    /// <summary>The last segment the stack sent to <paramref name="port"/>.</summary>
    public Received Last(ushort port)
    {
        Assert.True(_last.TryGetValue(port, out Received r), $"the stack sent nothing to port {port}");
        return r;
    }

    /// <summary>Sends one segment from <paramref name="port"/> to the stack's <paramref name="stackPort"/>.</summary>
    public void Send(ushort port, ushort stackPort, uint seq, uint ack, TcpFlags flags, ReadOnlySpan<byte> payload = default, ReadOnlySpan<byte> options = default)
    {
        Queue(port, stackPort, seq, ack, flags, payload, options);
        Flush();
    }

    /// <summary>Sends the segments queued so far as one batch: the stack handles them in one inbound batch, as one TUN read burst.</summary>
    public void Flush() => _link.WritePackets(_batch);

    /// <summary>Queues one segment for the next <see cref="Flush"/>.</summary>
    public void Queue(ushort port, ushort stackPort, uint seq, uint ack, TcpFlags flags, ReadOnlySpan<byte> payload = default, ReadOnlySpan<byte> options = default)
    {
        int length = Ipv4Header.MinLength + TcpHeader.MinLength + options.Length + payload.Length;
        PacketBuffer packet = _pool.Rent(Math.Max(BlockSize, length));
        Span<byte> bytes = packet.Append(length);
        Ipv4Header.Write(bytes, _address, _stackAddress, IpProtocol.Tcp, length, 0, 64);
        Span<byte> tcp = bytes[Ipv4Header.MinLength..];
        int header = TcpHeader.Write(tcp, port, stackPort, seq, ack, flags, ushort.MaxValue, options);
        payload.CopyTo(tcp[header..]);
        if (ChecksumVouched)
        {
            packet.Offload.ChecksumValid = true;
        }
        else
        {
            BinaryPrimitives.WriteUInt16BigEndian(tcp[TcpHeader.ChecksumOffset..], TcpHeader.ComputeChecksum(tcp, _address, _stackAddress));
        }
        _batch.Add(packet);
    }

    public void DeliverPackets(ILinkEndpoint link, PacketBatch batch)
    {
        foreach (PacketBuffer packet in batch.AsSpan())
        {
            ReadOnlySpan<byte> bytes = packet.Span;
            ReadOnlySpan<byte> tcp = bytes[((bytes[0] & 0xF) * 4)..];
            ushort port = BinaryPrimitives.ReadUInt16BigEndian(tcp[2..]);
            _last[port] = new Received(BinaryPrimitives.ReadUInt32BigEndian(tcp[4..]), BinaryPrimitives.ReadUInt32BigEndian(tcp[8..]),
                (TcpFlags)tcp[13], BinaryPrimitives.ReadUInt16BigEndian(tcp[14..]));
            ReceivedCount++;
            packet.Release();
        }
        batch.Clear();
    }
}
