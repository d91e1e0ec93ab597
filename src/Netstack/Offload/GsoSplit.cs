using Netstack.Buffers;

namespace Netstack.Offload;

/// <summary>
/// What software GSO does the same for every protocol: cut a super-segment's payload into pieces of the GSO size,
/// each behind a copy of the header template. Every piece but the last is copied into a pooled buffer (with the
/// default headroom, so a link header or vnet_hdr can still be prepended); the last one is made in place when no one
/// else holds the super-segment, its headers written just in front of its payload. The protocol's
/// <see cref="ISegmentWriter"/> then makes each piece's headers describe it.
/// </summary>
internal static class GsoSplit
{
    /// <summary>Makes piece <c>index</c> of <c>count</c> (template headers followed by its payload) a packet of its own.</summary>
    internal interface ISegmentWriter
    {
        void Write(PacketBuffer segment, Span<byte> bytes, int index, int count);
    }

    /// <summary>
    /// Splits <paramref name="packet"/>, whose headers take <paramref name="headerLength"/> bytes, into pieces of
    /// <paramref name="size"/> payload bytes (the last possibly shorter) appended to <paramref name="output"/> in
    /// order; takes the packet's reference and returns how many pieces there are (at least 1).
    /// </summary>
    public static int Split<TWriter>(PacketBuffer packet, PacketPool pool, PacketBatch output, int headerLength, int size, ref TWriter writer)
        where TWriter : struct, ISegmentWriter
    {
        Span<byte> bytes = packet.Span;
        int count = Math.Max(1, (bytes.Length - headerLength + size - 1) / size);
        int interfaceId = packet.InterfaceId;
        ReadOnlySpan<byte> template = bytes[..headerLength];
        bool inPlace = packet.ReferenceCount == 1;
        int copies = inPlace ? count - 1 : count;
        for (int i = 0; i < copies; i++)
        {
            int offset = headerLength + i * size;
            int length = Math.Min(size, bytes.Length - offset);
            PacketBuffer segment = pool.Rent(headerLength + length);
            Span<byte> s = segment.Append(headerLength + length);
            template.CopyTo(s);
            bytes.Slice(offset, length).CopyTo(s[headerLength..]);
            segment.InterfaceId = interfaceId;
            writer.Write(segment, s, i, count);
            output.Add(segment);
        }
        if (inPlace)
        {
            // The last payload stays where it is; its headers go in the bytes just before it, which the earlier
            // pieces have already been copied out of (CopyTo is an overlap-safe move).
            int front = (count - 1) * size;
            template.CopyTo(bytes[front..]);
            packet.TrimFront(front);
            packet.Offload = default;
            writer.Write(packet, packet.Span, count - 1, count);
            output.Add(packet);
        }
        else
        {
            packet.Release();
        }
        return count;
    }
}
