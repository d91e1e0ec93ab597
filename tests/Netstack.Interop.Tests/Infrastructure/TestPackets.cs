using System.Buffers.Binary;
using System.Net;
using Netstack.Wire;

namespace Netstack.Interop.Tests.Infrastructure;

/// <summary>Hand-built IPv4/ICMP checks and replies for testing links before the stack exists (deliberately independent of the stack's wire code).</summary>
public static class TestPackets
{
    /// <summary>True when <paramref name="packet"/> is a well-formed IPv4 ICMP echo request to <paramref name="destination"/> with valid checksums.</summary>
    public static bool IsIcmpV4EchoRequest(byte[] packet, IPAddress destination)
    {
        if (packet.Length < 28 || packet[0] >> 4 != 4)
        {
            return false;
        }
        int ihl = (packet[0] & 0xF) * 4;
        int total = BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(2));
        if (ihl < 20 || total > packet.Length || total < ihl + 8 || packet[9] != 1)
        {
            return false;
        }
        if (!Checksum.IsValid(packet.AsSpan(0, ihl)) || !new IPAddress(packet.AsSpan(16, 4)).Equals(destination))
        {
            return false;
        }
        Span<byte> icmp = packet.AsSpan(ihl, total - ihl);
        return icmp[0] == 8 && icmp[1] == 0 && Checksum.IsValid(icmp);
    }

    /// <summary>Turns an ICMP echo request into the reply the destination would send (addresses swapped, type 0, checksums redone).</summary>
    public static byte[] IcmpV4EchoReply(byte[] request)
    {
        byte[] reply = (byte[])request.Clone();
        int ihl = (reply[0] & 0xF) * 4;
        int total = BinaryPrimitives.ReadUInt16BigEndian(reply.AsSpan(2));
        request.AsSpan(12, 4).CopyTo(reply.AsSpan(16, 4));
        request.AsSpan(16, 4).CopyTo(reply.AsSpan(12, 4));
        reply[8] = 64; // TTL
        reply[10] = reply[11] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(reply.AsSpan(10), Checksum.Compute(reply.AsSpan(0, ihl)));
        Span<byte> icmp = reply.AsSpan(ihl, total - ihl);
        icmp[0] = 0;
        icmp[2] = icmp[3] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], Checksum.Compute(icmp));
        return reply[..total];
    }

    /// <summary>True when <paramref name="packet"/> is an IPv6 ICMPv6 echo request (no extension headers) to <paramref name="destination"/> with a valid checksum.</summary>
    public static bool IsIcmpV6EchoRequest(byte[] packet, IPAddress destination)
    {
        if (packet.Length < 48 || packet[0] >> 4 != 6 || packet[6] != 58)
        {
            return false;
        }
        int payload = BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(4));
        if (40 + payload > packet.Length || payload < 8 || !new IPAddress(packet.AsSpan(24, 16)).Equals(destination))
        {
            return false;
        }
        Span<byte> icmp = packet.AsSpan(40, payload);
        ulong pseudo = Checksum.PseudoHeader(NetAddress.ReadV6(packet.AsSpan(8, 16)), NetAddress.ReadV6(packet.AsSpan(24, 16)), 58, payload);
        return icmp[0] == 128 && icmp[1] == 0 && Checksum.IsValid(icmp, pseudo);
    }

    /// <summary>Turns an ICMPv6 echo request into its reply (addresses swapped, type 129, hop limit 64, checksum redone).</summary>
    public static byte[] IcmpV6EchoReply(byte[] request)
    {
        int payload = BinaryPrimitives.ReadUInt16BigEndian(request.AsSpan(4));
        byte[] reply = request[..(40 + payload)];
        request.AsSpan(8, 16).CopyTo(reply.AsSpan(24, 16));
        request.AsSpan(24, 16).CopyTo(reply.AsSpan(8, 16));
        reply[7] = 64;
        Span<byte> icmp = reply.AsSpan(40, payload);
        icmp[0] = 129;
        icmp[2] = icmp[3] = 0;
        ulong pseudo = Checksum.PseudoHeader(NetAddress.ReadV6(reply.AsSpan(8, 16)), NetAddress.ReadV6(reply.AsSpan(24, 16)), 58, payload);
        BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], Checksum.Finish(Checksum.Add(icmp, pseudo)));
        return reply;
    }
}
