using System.Buffers.Binary;
using Netstack.Buffers;
using Netstack.Wire;

namespace Netstack.Tests.Offload;

/// <summary>Builds complete IPv4/IPv6 TCP packets (checksums included) the way a sender emitting one segment at a time would.</summary>
internal static class OffloadPackets
{
    public static readonly NetAddress A4 = NetAddress.Parse("10.9.0.1");
    public static readonly NetAddress B4 = NetAddress.Parse("10.9.0.2");
    public static readonly NetAddress A6 = NetAddress.Parse("fd00:9::1");
    public static readonly NetAddress B6 = NetAddress.Parse("fd00:9::2");

    public const int Mss = 1448;

    /// <summary>NOP, NOP, timestamps (kind 8, length 10).</summary>
    public static byte[] Timestamps(uint tsval, uint tsecr)
    {
        var o = new byte[12];
        o[0] = 1;
        o[1] = 1;
        o[2] = 8;
        o[3] = 10;
        BinaryPrimitives.WriteUInt32BigEndian(o.AsSpan(4), tsval);
        BinaryPrimitives.WriteUInt32BigEndian(o.AsSpan(8), tsecr);
        return o;
    }

    public static byte[] Payload(int length, int seed = 1)
    {
        var b = new byte[length];
        new Random(seed).NextBytes(b);
        return b;
    }

    /// <summary>What a segment looks like, all fields a test may vary.</summary>
    internal sealed record Spec
    {
        public bool V6 { get; init; }
        public uint Seq { get; init; } = 1_000_000;
        public uint Ack { get; init; } = 777;
        public TcpFlags Flags { get; init; } = TcpFlags.Ack;
        public ushort Window { get; init; } = 512;
        public byte[] Options { get; init; } = [];
        public ushort IpId { get; init; } = 100;
        public bool DontFragment { get; init; } = true;
        public byte Ttl { get; init; } = 64;
        public byte Tos { get; init; }
        public uint FlowLabel { get; init; }
        public ushort SourcePort { get; init; } = 40000;
        public ushort DestinationPort { get; init; } = 80;
        public NetAddress Source => V6 ? A6 : A4;
        public NetAddress Destination => V6 ? B6 : B4;
        public int IpHeaderLength => V6 ? Ipv6Header.Length : Ipv4Header.MinLength;
        public int HeaderLength => IpHeaderLength + TcpHeader.MinLength + Options.Length;
    }

    /// <summary>A complete packet with full checksums.</summary>
    public static byte[] Bytes(Spec s, ReadOnlySpan<byte> payload)
    {
        int ip = s.IpHeaderLength;
        int tcpLength = TcpHeader.MinLength + s.Options.Length + payload.Length;
        var b = new byte[ip + tcpLength];
        if (s.V6)
        {
            Ipv6Header.Write(b, s.Source, s.Destination, IpProtocol.Tcp, tcpLength, s.Ttl, s.Tos, s.FlowLabel);
        }
        else
        {
            Ipv4Header.Write(b, s.Source, s.Destination, IpProtocol.Tcp, b.Length, s.IpId, s.Ttl, s.DontFragment, s.Tos);
        }
        Span<byte> tcp = b.AsSpan(ip);
        int h = TcpHeader.Write(tcp, s.SourcePort, s.DestinationPort, s.Seq, s.Ack, s.Flags, s.Window, s.Options);
        payload.CopyTo(tcp[h..]);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[TcpHeader.ChecksumOffset..], TcpHeader.ComputeChecksum(tcp, s.Source, s.Destination));
        return b;
    }

    public static PacketBuffer Packet(PacketPool pool, Spec s, ReadOnlySpan<byte> payload) => pool.RentCopy(Bytes(s, payload));

    /// <summary>A super-segment as TCP hands it over: partial checksum (pseudo-header sum) unless <paramref name="fullChecksum"/>, GSO marks with offsets from the IP header.</summary>
    public static PacketBuffer SuperSegment(PacketPool pool, Spec s, ReadOnlySpan<byte> payload, int mss = Mss, bool fullChecksum = false)
    {
        byte[] b = Bytes(s, payload);
        Span<byte> tcp = b.AsSpan(s.IpHeaderLength);
        if (!fullChecksum)
        {
            ulong pseudo = Checksum.PseudoHeader(s.Source, s.Destination, IpProtocol.Tcp, tcp.Length);
            BinaryPrimitives.WriteUInt16BigEndian(tcp[TcpHeader.ChecksumOffset..], Checksum.Fold(pseudo));
        }
        PacketBuffer p = pool.RentCopy(b);
        p.Offload.GsoType = s.V6 ? GsoType.TcpV6 : GsoType.TcpV4;
        p.Offload.GsoSize = (ushort)mss;
        p.Offload.HeaderLength = (ushort)s.HeaderLength;
        p.Offload.ChecksumStart = (ushort)s.IpHeaderLength;
        p.Offload.ChecksumOffset = TcpHeader.ChecksumOffset;
        p.Offload.NeedsChecksum = !fullChecksum;
        p.Offload.SegmentCount = (ushort)((payload.Length + mss - 1) / mss);
        return p;
    }

    /// <summary>The wire segments a one-at-a-time sender would have emitted for <paramref name="payload"/> (Linux's flag rules: FIN/PSH last, CWR first).</summary>
    public static List<byte[]> Expected(Spec s, ReadOnlySpan<byte> payload, int mss = Mss)
    {
        var list = new List<byte[]>();
        int count = (payload.Length + mss - 1) / mss;
        for (int i = 0; i < count; i++)
        {
            TcpFlags flags = s.Flags;
            if (i < count - 1)
            {
                flags &= ~(TcpFlags.Fin | TcpFlags.Psh);
            }
            if (i > 0)
            {
                flags &= ~TcpFlags.Cwr;
            }
            Spec seg = s with { Seq = s.Seq + (uint)(i * mss), Flags = flags, IpId = (ushort)(s.IpId + i) };
            list.Add(Bytes(seg, payload.Slice(i * mss, Math.Min(mss, payload.Length - i * mss))));
        }
        return list;
    }

    public static void ReleaseAll(PacketBatch batch) => batch.ReleaseAll();
}
