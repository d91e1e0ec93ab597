using Netstack.Wire;

namespace Netstack.Benchmarks;

internal static class OffloadSamples
{
    private static readonly NetAddress Source = NetAddress.Parse("10.9.0.1");
    private static readonly NetAddress Destination = NetAddress.Parse("10.9.0.2");

    /// <summary>An IPv4 TCP packet with timestamps and <paramref name="payload"/> bytes, checksums complete.</summary>
    public static byte[] Packet(int payload, uint seq, ushort id = 0)
    {
        var options = new TcpOptionsInfo { Timestamp = new TcpTimestamp(1, 2) };
        var b = new byte[20 + 32 + payload];
        int tcpLength = TcpHeader.Write(b.AsSpan(20), 40000, 80, seq, 1, TcpFlags.Ack, 512, options);
        new Random((int)seq).NextBytes(b.AsSpan(20 + tcpLength));
        Ipv4Header.Write(b, Source, Destination, IpProtocol.Tcp, b.Length, id, 64);
        Span<byte> tcp = b.AsSpan(20);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(tcp[16..], TcpHeader.ComputeChecksum(tcp, Source, Destination));
        return b;
    }

    /// <summary>An IPv4 UDP super-datagram with <paramref name="payload"/> bytes (what a UDP_SEGMENT send hands the link).</summary>
    public static byte[] UdpPacket(int payload)
    {
        var b = new byte[20 + UdpHeader.HeaderLength + payload];
        UdpHeader.Write(b.AsSpan(20), 40000, 443, UdpHeader.HeaderLength + payload);
        new Random(payload).NextBytes(b.AsSpan(20 + UdpHeader.HeaderLength));
        Ipv4Header.Write(b, Source, Destination, IpProtocol.Udp, b.Length, 0, 64);
        return b;
    }
}
