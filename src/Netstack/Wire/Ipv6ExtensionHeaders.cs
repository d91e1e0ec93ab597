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
        var walk = new ChainWalk();
        while (true)
        {
            if (!IsExtensionHeader(nextHeader))
            {
                headers = walk.Result(nextHeader, offset);
                return true;
            }
            if (!walk.TryAccept(nextHeader) || ++walk.Count > MaxHeaders || buffer.Length - offset < 8)
            {
                return false;
            }
            ReadOnlySpan<byte> h = buffer[offset..];
            int length;
            if (nextHeader == IpProtocol.Fragment)
            {
                length = Ipv6FragmentHeader.Length;
                walk.ReadFragment(h, offset, nextHeaderFieldOffset);
                if (walk.FragmentOffset != 0)
                {
                    // RFC 8200 §4.5: later fragments carry only fragmentable data; the upper layer is known after reassembly.
                    headers = walk.Result(h[0], offset + length);
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
                    walk.SegmentsLeft = h[3];
                }
            }
            nextHeaderFieldOffset = offset;
            nextHeader = h[0];
            offset += length;
        }
    }

    private static bool IsExtensionHeader(byte nextHeader) =>
        nextHeader is IpProtocol.HopByHop or IpProtocol.Routing or IpProtocol.DestinationOptions or IpProtocol.Fragment;

    /// <summary>What <see cref="TryWalk"/> has seen so far along the chain.</summary>
    private struct ChainWalk
    {
        public int Count;
        public int SegmentsLeft;
        public int FragmentOffset;
        private int _destinationOptions;
        private bool _hopByHop;
        private bool _routing;
        private int _fragmentHeaderOffset;
        private int _fragmentFieldOffset;
        private bool _moreFragments;
        private uint _identification;

        public ChainWalk()
        {
            _fragmentHeaderOffset = -1;
            _fragmentFieldOffset = -1;
        }

        /// <summary>
        /// Applies the order rules to the next extension header: Hop-by-Hop only first (RFC 8200 §4.1), Routing and
        /// Fragment at most once, Destination Options at most twice.
        /// </summary>
        public bool TryAccept(byte nextHeader)
        {
            switch (nextHeader)
            {
                case IpProtocol.HopByHop:
                    if (Count != 0 || _hopByHop)
                    {
                        return false;
                    }
                    _hopByHop = true;
                    return true;
                case IpProtocol.Routing:
                    if (_routing)
                    {
                        return false;
                    }
                    _routing = true;
                    return true;
                case IpProtocol.DestinationOptions:
                    return ++_destinationOptions <= 2;
                default:
                    return _fragmentHeaderOffset < 0;
            }
        }

        /// <summary>Records the Fragment header <paramref name="h"/> found at <paramref name="offset"/>.</summary>
        public void ReadFragment(ReadOnlySpan<byte> h, int offset, int nextHeaderFieldOffset)
        {
            _fragmentHeaderOffset = offset;
            _fragmentFieldOffset = nextHeaderFieldOffset;
            ushort offsetFlags = BinaryPrimitives.ReadUInt16BigEndian(h[Ipv6FragmentHeader.OffsetFlagsOffset..]);
            FragmentOffset = offsetFlags & 0xFFF8;
            _moreFragments = (offsetFlags & 1) != 0;
            _identification = BinaryPrimitives.ReadUInt32BigEndian(h[Ipv6FragmentHeader.IdentificationOffset..]);
        }

        public readonly Ipv6ExtensionHeaders Result(byte upperLayerProtocol, int upperLayerOffset) =>
            new(upperLayerProtocol, upperLayerOffset, Count, _hopByHop, SegmentsLeft,
                _fragmentHeaderOffset, _fragmentFieldOffset, FragmentOffset, _moreFragments, _identification);
    }
}
