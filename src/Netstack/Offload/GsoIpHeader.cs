using System.Buffers.Binary;
using Netstack.Wire;

namespace Netstack.Offload;

/// <summary>
/// The IP part of software segmentation, shared by TCP and UDP: finding where the transport header starts in a
/// super-segment's template, and making each segment's IP header describe it (Linux <c>inet_gso_segment</c> and
/// <c>ipv6_gso_segment</c>).
/// </summary>
internal static class GsoIpHeader
{
    /// <summary>
    /// The IP header's length (IPv4 options or IPv6 extension headers included) when <paramref name="bytes"/> is a
    /// whole, unfragmented IPv4 (<paramref name="v6"/> false) or IPv6 packet carrying <paramref name="protocol"/>.
    /// </summary>
    public static bool TryParse(Span<byte> bytes, bool v6, byte protocol, out int ipLength)
    {
        ipLength = 0;
        if (bytes.Length == 0 || (bytes[0] >> 4) != (v6 ? 6 : 4))
        {
            return false;
        }
        if (!v6)
        {
            if (!Ipv4Header.TryParse(bytes, out Ipv4Header ip) || ip.Protocol != protocol || ip.IsFragment || ip.TotalLength != bytes.Length)
            {
                return false;
            }
            ipLength = ip.HeaderLength;
            return true;
        }
        if (!Ipv6Header.TryParse(bytes, out Ipv6Header ip6) || Ipv6Header.Length + ip6.PayloadLength != bytes.Length)
        {
            return false;
        }
        if (ip6.NextHeader == protocol)
        {
            ipLength = Ipv6Header.Length;
            return true;
        }
        if (Ipv6ExtensionHeaders.TryParse(bytes, out Ipv6ExtensionHeaders chain) && chain.UpperLayerProtocol == protocol && !chain.HasFragmentHeader)
        {
            ipLength = chain.UpperLayerOffset;
            return true;
        }
        return false;
    }

    /// <summary>Writes one segment's IP lengths (and for IPv4 its identification and header checksum); returns its addresses.</summary>
    public static void Fix(Span<byte> segment, int ipLength, ushort id, out NetAddress source, out NetAddress destination)
    {
        if ((segment[0] >> 4) == 4)
        {
            BinaryPrimitives.WriteUInt16BigEndian(segment[Ipv4Header.TotalLengthOffset..], (ushort)segment.Length);
            BinaryPrimitives.WriteUInt16BigEndian(segment[Ipv4Header.IdentificationOffset..], id);
            BinaryPrimitives.WriteUInt16BigEndian(segment[Ipv4Header.ChecksumOffset..], 0);
            BinaryPrimitives.WriteUInt16BigEndian(segment[Ipv4Header.ChecksumOffset..], Checksum.Compute(segment[..ipLength]));
            source = NetAddress.ReadV4(segment[Ipv4Header.SourceOffset..]);
            destination = NetAddress.ReadV4(segment[Ipv4Header.DestinationOffset..]);
        }
        else
        {
            BinaryPrimitives.WriteUInt16BigEndian(segment[Ipv6Header.PayloadLengthOffset..], (ushort)(segment.Length - Ipv6Header.Length));
            source = NetAddress.ReadV6(segment[Ipv6Header.SourceOffset..]);
            destination = NetAddress.ReadV6(segment[Ipv6Header.DestinationOffset..]);
        }
    }

    /// <summary>The IPv4 identification of the super-segment (0 for IPv6), which segment i carries plus i.</summary>
    public static ushort Identification(ReadOnlySpan<byte> bytes) =>
        (bytes[0] >> 4) == 4 ? BinaryPrimitives.ReadUInt16BigEndian(bytes[Ipv4Header.IdentificationOffset..]) : (ushort)0;
}
