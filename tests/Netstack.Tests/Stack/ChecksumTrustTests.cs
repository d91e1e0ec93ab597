using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Netstack.Buffers;
using Netstack.Link;
using Netstack.Sockets;
using Netstack.Stack;
using Netstack.Tests.Infrastructure;
using Netstack.Wire;

namespace Netstack.Tests.Stack;

/// <summary>A packet's "checksum valid" flag counts only when its link can vouch for it, and only for the transport checksum.</summary>
public class ChecksumTrustTests
{
    private static readonly NetAddress Peer = NetAddress.Parse("10.9.0.1");
    private static readonly NetAddress Us = NetAddress.Parse("10.9.0.2");

    /// <summary>A UDP datagram to port 7000 flagged as checksum-valid, its UDP or IPv4 checksum broken on request.</summary>
    private static PacketBuffer FlaggedValid(PacketPool pool, bool breakUdp, bool breakIp)
    {
        byte[] b = new byte[Ipv4Header.MinLength + UdpHeader.HeaderLength + 4];
        Ipv4Header.Write(b, Peer, Us, (byte)IpProtocol.Udp, b.Length, 1, 64);
        Span<byte> udp = b.AsSpan(Ipv4Header.MinLength);
        UdpHeader.Write(udp, 5000, 7000, udp.Length);
        udp[UdpHeader.HeaderLength..].Fill(0x42);
        BinaryPrimitives.WriteUInt16BigEndian(udp[UdpHeader.ChecksumOffset..], UdpHeader.ComputeChecksum(udp, Peer, Us));
        if (breakUdp)
        {
            udp[^1] ^= 0x10;
        }
        if (breakIp)
        {
            b[Ipv4Header.ChecksumOffset] ^= 0x10;
        }
        PacketBuffer p = pool.RentCopy(b);
        p.Offload.ChecksumValid = true;
        return p;
    }

    private static async Task<(int Received, NetStackStatisticsSnapshot Stats)> Deliver(LinkCapabilities capabilities, bool breakUdp, bool breakIp)
    {
        var pool = new PacketPool();
        using var stack = new NetStack(new NetStackOptions { RandomSeed = 1, Pool = pool, EnableTcp = false });
        using var link = new TestLink(capabilities: capabilities);
        stack.AddInterface(link, "10.9.0.2/24");
        await using UdpSocket socket = stack.CreateUdpSocket(AddressFamily.InterNetwork);
        socket.Bind(new IPEndPoint(IPAddress.Any, 7000));
        link.Receive(FlaggedValid(pool, breakUdp, breakIp));
        return (socket.Available, stack.GetStatistics());
    }

    [Fact]
    public async Task A_link_without_receive_checksum_offload_cannot_vouch_for_a_checksum()
    {
        (int received, NetStackStatisticsSnapshot stats) = await Deliver(LinkCapabilities.None, breakUdp: true, breakIp: false);
        Assert.Equal(0, received);
        Assert.Equal(1, stats.Udp.InCsumErrors);
    }

    [Fact]
    public async Task A_link_with_receive_checksum_offload_is_trusted_for_the_transport_checksum()
    {
        // The link says it verified the UDP checksum, so the stack does not check it again (the damage here is the
        // test's lie, standing in for a checksum the link really did verify).
        (int received, NetStackStatisticsSnapshot stats) = await Deliver(LinkCapabilities.RxChecksumOffload, breakUdp: true, breakIp: false);
        Assert.Equal(1, received);
        Assert.Equal(0, stats.Udp.InCsumErrors);
    }

    [Theory]
    [InlineData(LinkCapabilities.None)]
    [InlineData(LinkCapabilities.RxChecksumOffload)]
    public async Task The_IPv4_header_checksum_is_always_checked(LinkCapabilities capabilities)
    {
        (int received, NetStackStatisticsSnapshot stats) = await Deliver(capabilities, breakUdp: false, breakIp: true);
        Assert.Equal(0, received);
        Assert.Equal(1, stats.Ip.InCsumErrors);
    }
}
