using System.Buffers.Binary;

namespace Netstack.Wire;

/// <summary>
/// The result of walking an IPv6 extension-header chain (RFC 8200 §4): the upper-layer protocol, where it
/// starts, and the Fragment header's fields if one is present. Offsets count from the start of the
/// buffer given to <see cref="TryWalk"/> (for <see cref="TryParse"/>, from the start of the IPv6 header).
/// The walker knows Hop-by-Hop, Routing, Fragment and Destination Options; any other next-header value
/// (including No Next Header, 59) ends the chain. It returns false, never throws, on a header that does not
/// fit the buffer, Hop-by-Hop anywhere but first (§4.1), a repeated Hop-by-Hop/Routing/Fragment header,
/// more than two Destination Options headers, or more than <see cref="MaxHeaders"/> headers.
/// For a non-first fragment (offset &gt; 0) the walk stops after the Fragment header: what follows is data.
/// </summary>
public readonly record struct Ipv6ExtensionHeaders(
    byte UpperLayerProtocol,
    int UpperLayerOffset,
    int HeaderCount,
    bool HasHopByHop,
    int RoutingSegmentsLeft,
    int FragmentHeaderOffset,
    int FragmentNextHeaderFieldOffset,
    int FragmentOffset,
    bool MoreFragments,
    uint FragmentIdentification)
{
    /// <summary>Longest chain accepted; real traffic carries at most a handful (RFC 8200 §4.1 order has six kinds).</summary>
    public const int MaxHeaders = 8;

    /// <summary>Whether a Fragment header was found (<see cref="FragmentHeaderOffset"/> &gt;= 0).</summary>
    public bool HasFragmentHeader => FragmentHeaderOffset >= 0;

    /// <summary>True when this packet is a fragment (not an atomic fragment with offset 0 and M clear).</summary>
    public bool IsFragment => HasFragmentHeader && (FragmentOffset != 0 || MoreFragments);

    /// <summary>Walks the chain of a whole IPv6 packet (fixed header first), up to its payload length.</summary>
    public static bool TryParse(Span<byte> packet, out Ipv6ExtensionHeaders headers)
    {
        if (!Ipv6Header.TryParse(packet, out Ipv6Header ip))
        {
            headers = default;
            return false;
        }
        return TryWalk(ip.Packet, ip.NextHeader, Ipv6Header.Length, Ipv6Header.NextHeaderOffset, out headers);
    }

    /// <summary>
    /// Walks from <paramref name="offset"/> in <paramref name="buffer"/>, where a header of type
    /// <paramref name="nextHeader"/> starts; <paramref name="nextHeaderFieldOffset"/> is where that value was read
    /// (6 for the fixed header). Usable on the truncated packet quoted in an ICMPv6 error.
    /// </summary>
    public static bool TryWalk(ReadOnlySpan<byte> buffer, byte nextHeader, int offset, int nextHeaderFieldOffset, out Ipv6ExtensionHeaders headers)
    {
        headers = default;
        if (offset < 0 || offset > buffer.Length)
        {
            return false;
        }
        int count = 0;
        int destinationOptions = 0;
        bool hopByHop = false;
        bool routing = false;
        int segmentsLeft = 0;
        int fragmentHeaderOffset = -1;
        int fragmentFieldOffset = -1;
        int fragmentOffset = 0;
        bool moreFragments = false;
        uint identification = 0;
        while (true)
        {
            switch (nextHeader)
            {
                case IpProtocol.HopByHop:
                    if (count != 0 || hopByHop)
                    {
                        return false;
                    }
                    hopByHop = true;
                    break;
                case IpProtocol.Routing:
                    if (routing)
                    {
                        return false;
                    }
                    routing = true;
                    break;
                case IpProtocol.DestinationOptions:
                    if (++destinationOptions > 2)
                    {
                        return false;
                    }
                    break;
                case IpProtocol.Fragment:
                    if (fragmentHeaderOffset >= 0)
                    {
                        return false;
                    }
                    break;
                default:
                    headers = new Ipv6ExtensionHeaders(nextHeader, offset, count, hopByHop, segmentsLeft,
                        fragmentHeaderOffset, fragmentFieldOffset, fragmentOffset, moreFragments, identification);
                    return true;
            }
            if (++count > MaxHeaders || buffer.Length - offset < 8)
            {
                return false;
            }
            ReadOnlySpan<byte> h = buffer[offset..];
            int length;
            if (nextHeader == IpProtocol.Fragment)
            {
                length = Ipv6FragmentHeader.Length;
                fragmentHeaderOffset = offset;
                fragmentFieldOffset = nextHeaderFieldOffset;
                ushort offsetFlags = BinaryPrimitives.ReadUInt16BigEndian(h[Ipv6FragmentHeader.OffsetFlagsOffset..]);
                fragmentOffset = offsetFlags & 0xFFF8;
                moreFragments = (offsetFlags & 1) != 0;
                identification = BinaryPrimitives.ReadUInt32BigEndian(h[Ipv6FragmentHeader.IdentificationOffset..]);
                if (fragmentOffset != 0)
                {
                    // RFC 8200 §4.5: later fragments carry only fragmentable data; the upper layer is known after reassembly.
                    headers = new Ipv6ExtensionHeaders(h[0], offset + length, count, hopByHop, segmentsLeft,
                        fragmentHeaderOffset, fragmentFieldOffset, fragmentOffset, moreFragments, identification);
                    return true;
                }
            }
            else
            {
                // Hdr Ext Len counts 8-octet units beyond the first 8 (RFC 8200 §4.3, §4.4, §4.6).
                length = (h[1] + 1) * 8;
                if (length > h.Length)
                {
                    return false;
                }
                if (nextHeader == IpProtocol.Routing)
                {
                    segmentsLeft = h[3];
                }
            }
            nextHeaderFieldOffset = offset;
            nextHeader = h[0];
            offset += length;
        }
    }
}
