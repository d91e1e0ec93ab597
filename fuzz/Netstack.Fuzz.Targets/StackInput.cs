using System.Buffers.Binary;
using Netstack.Buffers;
using Netstack.Link;
using Netstack.Wire;

namespace Netstack.Fuzz;

/// <summary>
/// How the "stack" target reads its input: a configuration byte (see <see cref="StackTarget"/>), then records of a
/// control byte, a 16-bit length (modulo 2048) and that many packet bytes (an IPv4 or IPv6 packet from the peer).
/// Control bits: 0-2 time to advance before the packet; 3 join the previous packet's batch; 4 fix the packet up
/// (addresses 10.9.0.1 → 10.9.0.2 or fd00:9::1 → fd00:9::2, length fields, the IPv4 header checksum, the transport
/// checksum or, on an offloading link, the checksum-valid flag); 5 rebase the TCP acknowledgment number and SACK
/// blocks on the stack's last SYN-ACK sequence number (the fuzzer cannot guess a 32-bit ISN); 6 run an application
/// step after the packet.
/// </summary>
internal static class StackInput
{
    public const int MaxPackets = 128;
    private const int MaxLength = 2047;

    private static readonly TimeSpan[] Advances = [TimeSpan.Zero, TimeSpan.Zero, TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(40), TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(130)];
    private static readonly NetAddress Peer4 = NetAddress.Parse("10.9.0.1");
    private static readonly NetAddress Local4 = NetAddress.Parse("10.9.0.2");
    private static readonly NetAddress Peer6 = NetAddress.Parse("fd00:9::1");
    private static readonly NetAddress Local6 = NetAddress.Parse("fd00:9::2");

    /// <summary>One decoded record.</summary>
    public readonly ref struct Packet(byte control, ReadOnlySpan<byte> bytes)
    {
        public ReadOnlySpan<byte> Bytes { get; } = bytes;

        public TimeSpan Advance => Advances[control & 7];

        public bool JoinsBatch => (control & 8) != 0;

        public bool FixUp => (control & 16) != 0;

        public bool RebaseAck => (control & 32) != 0;

        public bool RunsApplication => (control & 64) != 0;
    }

    public static Packet Next(ref ByteReader reader)
    {
        byte control = reader.Byte();
        int length = reader.UInt16() % (MaxLength + 1);
        return new Packet(control, reader.Bytes(length));
    }

    /// <summary>The pooled packet for <paramref name="record"/>, fixed up and rebased as its control byte says.</summary>
    public static PacketBuffer Build(PacketPool pool, in Packet record, SequenceTracker tracker, LinkCapabilities capabilities)
    {
        PacketBuffer packet = pool.RentCopy(record.Bytes);
        if (record.FixUp || record.RebaseAck)
        {
            bool offload = (capabilities & LinkCapabilities.RxChecksumOffload) != 0;
            Span<byte> p = packet.Span;
            if (p.Length >= Ipv4Header.MinLength && p[0] >> 4 == 4)
            {
                packet.Offload.ChecksumValid = FixIpv4(p, record, tracker, offload);
            }
            else if (p.Length >= Ipv6Header.Length && p[0] >> 4 == 6)
            {
                packet.Offload.ChecksumValid = FixIpv6(p, record, tracker, offload);
            }
        }
        return packet;
    }

    private static bool FixIpv4(Span<byte> p, in Packet record, SequenceTracker tracker, bool offload)
    {
        int headerLength = Math.Clamp((p[0] & 0x0F) * 4, Ipv4Header.MinLength, p.Length & ~3);
        if (record.FixUp)
        {
            p[0] = (byte)(0x40 | (headerLength / 4));
            BinaryPrimitives.WriteUInt16BigEndian(p[Ipv4Header.TotalLengthOffset..], (ushort)p.Length);
            BinaryPrimitives.WriteUInt32BigEndian(p[Ipv4Header.SourceOffset..], Peer4.V4);
            BinaryPrimitives.WriteUInt32BigEndian(p[Ipv4Header.DestinationOffset..], Local4.V4);
            BinaryPrimitives.WriteUInt16BigEndian(p[Ipv4Header.ChecksumOffset..], 0);
            BinaryPrimitives.WriteUInt16BigEndian(p[Ipv4Header.ChecksumOffset..], Checksum.Compute(p[..headerLength]));
        }
        bool whole = (BinaryPrimitives.ReadUInt16BigEndian(p[Ipv4Header.FlagsFragmentOffset..]) & 0x3FFF) == 0;
        if (!whole || !Ipv4Header.TryParse(p, out Ipv4Header ip))
        {
            return false;
        }
        return FixTransport(ip.Payload, ip.Protocol, ip.Source, ip.Destination, record, tracker, offload);
    }

    private static bool FixIpv6(Span<byte> p, in Packet record, SequenceTracker tracker, bool offload)
    {
        if (record.FixUp)
        {
            BinaryPrimitives.WriteUInt16BigEndian(p[Ipv6Header.PayloadLengthOffset..], (ushort)(p.Length - Ipv6Header.Length));
            Peer6.WriteTo(p[Ipv6Header.SourceOffset..]);
            Local6.WriteTo(p[Ipv6Header.DestinationOffset..]);
        }
        if (!Ipv6Header.TryParse(p, out Ipv6Header ip) || !Ipv6ExtensionHeaders.TryParse(p, out Ipv6ExtensionHeaders chain) || chain.IsFragment)
        {
            return false;
        }
        return FixTransport(ip.Packet[chain.UpperLayerOffset..], chain.UpperLayerProtocol, ip.Source, ip.Destination, record, tracker, offload);
    }

    /// <summary>Rebases and checksums the transport header; true when the offload flag should vouch for it instead.</summary>
    private static bool FixTransport(Span<byte> transport, byte protocol, NetAddress source, NetAddress destination, in Packet record, SequenceTracker tracker, bool offload)
    {
        if (protocol == IpProtocol.Tcp && TcpHeader.TryParse(transport, out TcpHeader tcp))
        {
            if (record.RebaseAck)
            {
                tracker.Rebase(tcp);
            }
            if (record.FixUp && !offload)
            {
                tcp.SetChecksum(source, destination);
            }
        }
        else if (protocol == IpProtocol.Udp && transport.Length >= UdpHeader.HeaderLength && record.FixUp)
        {
            BinaryPrimitives.WriteUInt16BigEndian(transport[UdpHeader.LengthOffset..], (ushort)transport.Length);
            if (!offload && UdpHeader.TryParse(transport, out UdpHeader udp))
            {
                udp.SetChecksum(source, destination);
            }
        }
        else if (protocol == IpProtocol.Icmp && record.FixUp && !offload && IcmpV4Header.TryParse(transport, out IcmpV4Header icmp))
        {
            icmp.SetChecksum();
        }
        else if (protocol == IpProtocol.IcmpV6 && record.FixUp && !offload && IcmpV6Header.TryParse(transport, out IcmpV6Header icmp6))
        {
            icmp6.SetChecksum(source, destination);
        }
        return record.FixUp && offload;
    }

    /// <summary>Remembers the sequence number of the stack's latest SYN-ACK, the base that rebased acknowledgments count from.</summary>
    internal sealed class SequenceTracker
    {
        private uint _iss;

        public void Observe(PacketBuffer packet)
        {
            Span<byte> p = packet.Span;
            Span<byte> transport;
            if (Ipv4Header.TryParse(p, out Ipv4Header ip) && ip.Protocol == IpProtocol.Tcp && !ip.IsFragment)
            {
                transport = ip.Payload;
            }
            else if (Ipv6ExtensionHeaders.TryParse(p, out Ipv6ExtensionHeaders chain) && chain.UpperLayerProtocol == IpProtocol.Tcp && !chain.IsFragment)
            {
                transport = p[chain.UpperLayerOffset..];
            }
            else
            {
                return;
            }
            if (TcpHeader.TryParse(transport, out TcpHeader tcp) && (tcp.Flags & (TcpFlags.Syn | TcpFlags.Ack)) == (TcpFlags.Syn | TcpFlags.Ack))
            {
                _iss = tcp.SequenceNumber;
            }
        }

        /// <summary>Adds the ISS to the acknowledgment number and to both edges of each SACK block.</summary>
        public void Rebase(TcpHeader tcp)
        {
            tcp.AcknowledgmentNumber += _iss;
            Span<byte> options = tcp.Options;
            int at = 0;
            while (at < options.Length)
            {
                byte kind = options[at];
                if (kind == TcpOptionKind.EndOfOptionList)
                {
                    return;
                }
                if (kind == TcpOptionKind.NoOperation)
                {
                    at++;
                    continue;
                }
                if (at + 1 >= options.Length || options[at + 1] < 2 || at + options[at + 1] > options.Length)
                {
                    return;
                }
                int length = options[at + 1];
                if (kind == TcpOptionKind.Sack)
                {
                    for (int edge = at + 2; edge + 4 <= at + length; edge += 4)
                    {
                        BinaryPrimitives.WriteUInt32BigEndian(options[edge..], BinaryPrimitives.ReadUInt32BigEndian(options[edge..]) + _iss);
                    }
                }
                at += length;
            }
        }
    }
}
