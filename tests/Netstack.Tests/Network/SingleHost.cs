using System.Buffers.Binary;
using Netstack.Buffers;
using Netstack.Stack;
using Netstack.Tests.Infrastructure;
using Netstack.Wire;

namespace Netstack.Tests.Network;

/// <summary>
/// One stack (10.9.0.2/24, fd00:9::2/64) on a <see cref="TestLink"/> and a fake clock: a test hands it raw IP
/// datagrams from a scripted peer (10.9.0.1, fd00:9::1) and reads back exactly what the stack wrote. Builders for the
/// datagrams the RFC checks need. Disposing checks that no buffer leaked.
/// </summary>
internal sealed class SingleHost : IDisposable
{
    public static readonly NetAddress Peer4 = NetAddress.Parse("10.9.0.1");
    public static readonly NetAddress Host4 = NetAddress.Parse("10.9.0.2");
    public static readonly NetAddress Peer6 = NetAddress.Parse("fd00:9::1");
    public static readonly NetAddress Host6 = NetAddress.Parse("fd00:9::2");

    public SingleHost(int icmpRateLimitPerSecond = 1000, int icmpRateLimitBurst = 50)
    {
        Stack = new NetStack(new NetStackOptions
        {
            TimeProvider = Clock,
            Pool = Pool,
            IcmpRateLimitPerSecond = icmpRateLimitPerSecond,
            IcmpRateLimitBurst = icmpRateLimitBurst,
        });
        InterfaceId = Stack.AddInterface(Link, "10.9.0.2/24", "fd00:9::2/64");
    }

    public ManualTimeProvider Clock { get; } = new();

    public PacketPool Pool { get; } = new();

    public TestLink Link { get; } = new();

    public NetStack Stack { get; }

    public int InterfaceId { get; }

    public NetStackStatisticsSnapshot Statistics => Stack.GetStatistics();

    /// <summary>Hands <paramref name="datagram"/> to the stack as if it had arrived on the link.</summary>
    public void Deliver(ReadOnlySpan<byte> datagram)
    {
        PacketBuffer p = Pool.Rent(datagram.Length);
        datagram.CopyTo(p.Append(datagram.Length));
        Stack.DeliverPacket(InterfaceId, p);
    }

    /// <summary>What the stack wrote since the last call, as byte arrays (the buffers are released).</summary>
    public List<byte[]> TakeWritten()
    {
        var list = new List<byte[]>();
        foreach (PacketBuffer p in Link.Written)
        {
            list.Add(p.Span.ToArray());
        }
        Link.ReleaseWritten();
        return list;
    }

    /// <summary>An IPv4 datagram carrying <paramref name="payload"/> (checksummed UDP when <paramref name="protocol"/> is UDP).</summary>
    public static byte[] Ipv4(NetAddress source, NetAddress destination, byte protocol, ReadOnlySpan<byte> payload, ushort id = 1, int fragmentOffset = 0, bool moreFragments = false)
    {
        byte[] d = new byte[Ipv4Header.MinLength + payload.Length];
        Ipv4Header.Write(d, source, destination, protocol, d.Length, id, 64, dontFragment: false, fragmentOffset: fragmentOffset, moreFragments: moreFragments);
        payload.CopyTo(d.AsSpan(Ipv4Header.MinLength));
        return d;
    }

    /// <summary>An IPv6 datagram whose payload (extension headers included) is <paramref name="payload"/>, first header <paramref name="nextHeader"/>.</summary>
    public static byte[] Ipv6(NetAddress source, NetAddress destination, byte nextHeader, ReadOnlySpan<byte> payload)
    {
        byte[] d = new byte[Ipv6Header.Length + payload.Length];
        Ipv6Header.Write(d, source, destination, nextHeader, payload.Length, 64);
        payload.CopyTo(d.AsSpan(Ipv6Header.Length));
        return d;
    }

    /// <summary>A UDP datagram of <paramref name="size"/> data bytes to <paramref name="port"/>, checksummed for the addresses.</summary>
    public static byte[] Udp(NetAddress source, NetAddress destination, ushort port, int size = 4)
    {
        byte[] d = new byte[UdpHeader.HeaderLength + size];
        UdpHeader.Write(d, 4000, port, d.Length);
        Assert.True(UdpHeader.TryParse(d, out UdpHeader h));
        h.SetChecksum(source, destination);
        return d;
    }

    /// <summary>An ICMPv4 message of <paramref name="type"/> with <paramref name="body"/> after its 8-byte header, checksummed.</summary>
    public static byte[] Icmp4(byte type, byte code, ReadOnlySpan<byte> body, uint restOfHeader = 0)
    {
        byte[] m = new byte[IcmpV4Header.HeaderLength + body.Length];
        IcmpV4Header.Write(m, type, code, restOfHeader);
        body.CopyTo(m.AsSpan(IcmpV4Header.HeaderLength));
        Assert.True(IcmpV4Header.TryParse(m, out IcmpV4Header h));
        h.SetChecksum();
        return m;
    }

    /// <summary>An ICMPv6 message of <paramref name="type"/> with <paramref name="body"/> after its 8-byte header, checksummed.</summary>
    public static byte[] Icmp6(NetAddress source, NetAddress destination, byte type, byte code, ReadOnlySpan<byte> body, uint restOfHeader = 0)
    {
        byte[] m = new byte[IcmpV6Header.HeaderLength + body.Length];
        IcmpV6Header.Write(m, type, code, restOfHeader);
        body.CopyTo(m.AsSpan(IcmpV6Header.HeaderLength));
        Assert.True(IcmpV6Header.TryParse(m, out IcmpV6Header h));
        h.SetChecksum(source, destination);
        return m;
    }

    /// <summary>An 8-byte Hop-by-Hop or Destination Options header carrying one option of <paramref name="optionType"/> (2 data bytes) and PadN.</summary>
    public static byte[] OptionsHeader(byte nextHeader, byte optionType) => [nextHeader, 0, optionType, 2, 0, 0, 1, 0];

    /// <summary>An 8-byte Fragment header (RFC 8200 §4.5).</summary>
    public static byte[] FragmentHeader(byte nextHeader, int offset, bool more, uint id)
    {
        byte[] h = new byte[Ipv6FragmentHeader.Length];
        Ipv6FragmentHeader.Write(h, nextHeader, offset, more, id);
        return h;
    }

    /// <summary>The ICMPv6 messages among <paramref name="written"/>: (type, code, rest of header, message).</summary>
    public static List<(byte Type, byte Code, uint Pointer, byte[] Message)> Icmp6Messages(List<byte[]> written)
    {
        var list = new List<(byte, byte, uint, byte[])>();
        foreach (byte[] d in written)
        {
            if ((d[0] >> 4) == 6 && d[Ipv6Header.NextHeaderOffset] == IpProtocol.IcmpV6)
            {
                byte[] m = d[Ipv6Header.Length..];
                list.Add((m[0], m[1], BinaryPrimitives.ReadUInt32BigEndian(m.AsSpan(4)), m));
            }
        }
        return list;
    }

    /// <summary>The ICMPv4 messages among <paramref name="written"/>: (type, code, message).</summary>
    public static List<(byte Type, byte Code, byte[] Message)> Icmp4Messages(List<byte[]> written)
    {
        var list = new List<(byte, byte, byte[])>();
        foreach (byte[] d in written)
        {
            if ((d[0] >> 4) == 4 && d[Ipv4Header.ProtocolOffset] == IpProtocol.Icmp)
            {
                byte[] m = d[((d[0] & 0xF) * 4)..];
                list.Add((m[0], m[1], m));
            }
        }
        return list;
    }

    public static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    public void Dispose()
    {
        Link.Dispose();
        Stack.Dispose();
        Assert.Equal(0, Pool.Outstanding);
    }
}
