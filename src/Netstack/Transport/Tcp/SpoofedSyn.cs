using Netstack.Buffers;
using Netstack.Wire;

namespace Netstack.Transport.Tcp;

/// <summary>
/// One SYN of a flood, for <c>netstack bench --syn-flood</c> and its test: from a random source in 198.18.0.0/15 (RFC
/// 2544's benchmarking range) and a random port, with the options Linux sends (MSS, window scale, SACK, timestamps).
/// </summary>
internal static class SpoofedSyn
{
    /// <summary>Rents an IPv4 SYN to <paramref name="destination"/> port 80, its checksums complete.</summary>
    public static PacketBuffer Rent(PacketPool pool, Random random, NetAddress destination)
    {
        var source = NetAddress.FromV4(0xC6120000u | (uint)random.Next(0x20000));
        TcpSegment syn = default;
        syn.Flags = TcpFlags.Syn;
        syn.SourcePort = (ushort)random.Next(1024, 65536);
        syn.DestinationPort = 80;
        syn.Seq = new SeqNumber((uint)random.NextInt64(uint.MaxValue));
        syn.Window = 64240;
        syn.Mss = 1460;
        syn.WindowScale = 7;
        syn.SackPermitted = true;
        syn.HasTimestamp = true;
        syn.TsVal = (uint)random.Next();
        int tcpLength = syn.ComputeHeaderLength();
        PacketBuffer packet = pool.Rent(Ipv4Header.MinLength + tcpLength);
        Span<byte> bytes = packet.Append(Ipv4Header.MinLength + tcpLength);
        Ipv4Header.Write(bytes, source, destination, IpProtocol.Tcp, bytes.Length, (ushort)random.Next(65536), 64);
        syn.Write(bytes[Ipv4Header.MinLength..]);
        TcpSegment.WriteChecksum(bytes[Ipv4Header.MinLength..], source, destination);
        return packet;
    }
}
