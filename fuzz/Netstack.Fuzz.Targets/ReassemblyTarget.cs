using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Netstack.Buffers;
using Netstack.Link;
using Netstack.Sockets;
using Netstack.Stack;
using Netstack.Wire;

namespace Netstack.Fuzz;

/// <summary>
/// Target "reassembly": the input decodes into a sequence of IPv4 or IPv6 fragments of one UDP datagram, cut at
/// offsets and lengths the input picks (overlapping, duplicated, past the end, reordered, spread over time and
/// batches), delivered to a stack with a UDP socket bound on port 53.
/// </summary>
/// <remarks>
/// Input: byte 0 bit 0 = IPv6; bytes 1-2 = the UDP payload length. Then 5-byte records, one fragment each:
/// control (bit 0 more fragments; bit 1 the second identification; bits 2-4 time to advance first; bit 5 join
/// the previous fragment's batch; bit 6 IPv4 options or an IPv6 Hop-by-Hop header in front; bit 7 the length is
/// taken whole rather than modulo 2048), the offset in 8-byte units (13 bits), the length in bytes. Fragment data
/// is the datagram's bytes at that offset (a fixed pattern past its end), so a datagram the socket receives must
/// be exactly the original payload, whatever the fragments were. Invariants: that, nothing thrown or logged, no
/// reassembly left in progress after the timeouts, and every pooled buffer back after the stack is disposed.
/// </remarks>
internal static class ReassemblyTarget
{
    private const int MaxTimerFires = 10_000; // per clock step: an input may make a timer re-arm itself at once

    private static readonly NetAddress Peer4 = NetAddress.Parse("10.9.0.1");
    private static readonly NetAddress Local4 = NetAddress.Parse("10.9.0.2");
    private static readonly NetAddress Peer6 = NetAddress.Parse("fd00:9::1");
    private static readonly NetAddress Local6 = NetAddress.Parse("fd00:9::2");
    private static readonly TimeSpan[] Advances = [TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(29), TimeSpan.FromSeconds(31), TimeSpan.FromSeconds(61)];

    private static readonly byte[] Received = new byte[ushort.MaxValue];

    private const ushort PeerPort = 4000;
    private const ushort LocalPort = 53;
    private const int MaxRecords = 256;

    public static void Run(ReadOnlySpan<byte> input)
    {
        var reader = new ByteReader(input);
        bool v6 = (reader.Byte() & 1) != 0;
        int payloadLength = Math.Min((int)reader.UInt16(), ushort.MaxValue - UdpHeader.HeaderLength);
        NetAddress peer = v6 ? Peer6 : Peer4;
        NetAddress local = v6 ? Local6 : Local4;
        byte[] datagram = MakeDatagram(payloadLength, peer, local);

        var clock = new ManualClock();
        PacketPool pool = SharedPool.Instance;
        long baseline = pool.Outstanding;
        var link = new FuzzLink(LinkCapabilities.None);
        var stack = new NetStack(new NetStackOptions { TimeProvider = clock, Pool = pool, RandomSeed = 1, EnableTcp = false, LoggerFactory = FailFastLoggerFactory.Instance });
        stack.AddInterface(link, "10.9.0.2/24", "fd00:9::2/64");
        UdpSocket socket = stack.CreateUdpSocket(v6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork);
        socket.Bind(new IPEndPoint(v6 ? IPAddress.IPv6Any : IPAddress.Any, LocalPort));
        byte[] received = Received;
        var batch = new PacketBatch();
        try
        {
            for (int n = 0; n < MaxRecords && !reader.IsEmpty; n++)
            {
                byte control = reader.Byte();
                int offset = (reader.UInt16() & 0x1FFF) * 8;
                int length = reader.UInt16();
                length = (control & 0x80) != 0 ? length : length % 2048;
                TimeSpan advance = Advances[(control >> 2) & 7];
                if ((control & 0x20) == 0 || advance > TimeSpan.Zero)
                {
                    Flush(link, batch, socket, received, datagram);
                }
                clock.Advance(advance, MaxTimerFires);
                batch.Add(MakeFragment(pool, datagram, v6, peer, local, offset, length, control));
            }
            Flush(link, batch, socket, received, datagram);
            clock.Advance(TimeSpan.FromSeconds(61), MaxTimerFires); // both timeouts (30 s, 60 s) pass
            Drain(socket, received, datagram);
            FuzzInvariantException.Check(stack.Ipv4.Reassembler.Count == 0 && stack.Ipv6.Reassembler.Count == 0, "a reassembly is still in progress after its timeout");
            FuzzInvariantException.Check(stack.Ipv4.Reassembler.Memory == 0 && stack.Ipv6.Reassembler.Memory == 0, "reassembly memory is still charged after every timeout");
            FuzzInvariantException.Check(stack.GetStatistics().Ip.InDiscards == 0, "a packet's handling threw");
        }
        finally
        {
            batch.ReleaseAll();
            socket.Dispose();
            stack.Dispose();
            link.Dispose();
        }
        FuzzInvariantException.Check(pool.Outstanding == baseline, $"{pool.Outstanding - baseline} pooled buffers leaked");
    }

    private static void Flush(FuzzLink link, PacketBatch batch, UdpSocket socket, byte[] received, byte[] datagram)
    {
        if (batch.Count > 0)
        {
            link.Deliver(batch);
        }
        Drain(socket, received, datagram);
    }

    /// <summary>Whatever the socket received must be the original payload from the peer.</summary>
    private static void Drain(UdpSocket socket, byte[] received, byte[] datagram)
    {
        while (socket.TryReceiveFrom(received, out int bytes, out _, out ushort port))
        {
            FuzzInvariantException.Check(port == PeerPort, "a reassembled datagram came from the wrong port");
            FuzzInvariantException.Check(received.AsSpan(0, bytes).SequenceEqual(datagram.AsSpan(UdpHeader.HeaderLength)), $"a reassembled datagram of {bytes} bytes differs from the {datagram.Length - UdpHeader.HeaderLength} sent");
        }
    }

    private static byte[] MakeDatagram(int payloadLength, NetAddress peer, NetAddress local)
    {
        byte[] datagram = new byte[UdpHeader.HeaderLength + payloadLength];
        for (int i = UdpHeader.HeaderLength; i < datagram.Length; i++)
        {
            datagram[i] = PatternAt(i);
        }
        UdpHeader.Write(datagram, PeerPort, LocalPort, datagram.Length);
        _ = UdpHeader.TryParse(datagram, out UdpHeader udp);
        udp.SetChecksum(peer, local);
        return datagram;
    }

    private static byte PatternAt(int i) => (byte)((i * 7) + (i >> 8));

    private static PacketBuffer MakeFragment(PacketPool pool, byte[] datagram, bool v6, NetAddress peer, NetAddress local, int offset, int length, byte control)
    {
        bool more = (control & 1) != 0;
        bool extra = (control & 0x40) != 0;
        uint id = (control & 2) != 0 ? 0x5678u : 0x1234u;
        int headerLength = v6 ? Ipv6Header.Length + (extra ? 8 : 0) + Ipv6FragmentHeader.Length : Ipv4Header.MinLength + (extra ? 4 : 0);
        length = Math.Min(length, ushort.MaxValue - headerLength);
        PacketBuffer packet = pool.Rent(headerLength + length);
        Span<byte> p = packet.Append(headerLength + length);
        Span<byte> data = p[headerLength..];
        for (int i = 0; i < data.Length; i++)
        {
            int at = offset + i;
            data[i] = at < datagram.Length ? datagram[at] : PatternAt(at);
        }
        if (v6)
        {
            Ipv6Header.Write(p, peer, local, extra ? IpProtocol.HopByHop : IpProtocol.Fragment, p.Length - Ipv6Header.Length, 64);
            int at = Ipv6Header.Length;
            if (extra)
            {
                p.Slice(at, 8).Clear();
                p[at] = IpProtocol.Fragment;
                p[at + 2] = 1; // PadN over the remaining four bytes
                p[at + 3] = 4;
                at += 8;
            }
            Ipv6FragmentHeader.Write(p[at..], IpProtocol.Udp, offset, more, id);
        }
        else
        {
            Ipv4Header.Write(p, peer, local, IpProtocol.Udp, p.Length, (ushort)id, 64, dontFragment: false, fragmentOffset: offset, moreFragments: more);
            if (extra)
            {
                p[0] = 0x46;
                p.Slice(Ipv4Header.MinLength, 4).Fill(1); // four NOPs
                BinaryPrimitives.WriteUInt16BigEndian(p[Ipv4Header.ChecksumOffset..], 0);
                BinaryPrimitives.WriteUInt16BigEndian(p[Ipv4Header.ChecksumOffset..], Checksum.Compute(p[..headerLength]));
            }
        }
        return packet;
    }
}
