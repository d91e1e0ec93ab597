using Netstack.Buffers;
using Netstack.Link;
using Netstack.Offload;

namespace Netstack.Stack;

public sealed partial class NetStack
{
    [ThreadStatic]
    private static PacketBatch? t_segmentBatch; // a per-thread cache for the segments of a split; it decides nothing

    /// <summary>Whether a super-segment of <paramref name="type"/> may be sent on <paramref name="nic"/>: the link segments it, or the stack does (<see cref="NetStackOptions.Gso"/>).</summary>
    internal bool CanSegment(NetInterface nic, GsoType type) =>
        type is GsoType.TcpV4 or GsoType.TcpV6 or GsoType.UdpL4
        && ((nic.Link.Capabilities & LinkCapability(type)) != 0 || SegmentsInSoftware(nic.Link, type));

    /// <summary>Whether the stack splits super-segments of <paramref name="type"/> for <paramref name="link"/>: software GSO is on, the link cannot segment them, and it carries bare IP packets.</summary>
    internal bool SegmentsInSoftware(ILinkEndpoint link, GsoType type) =>
        Options.Gso && (link.Capabilities & LinkCapability(type)) == 0 && link.LinkHeaderLength == 0;

    private static LinkCapabilities LinkCapability(GsoType type) =>
        type is GsoType.UdpL4 or GsoType.Udp ? LinkCapabilities.UdpGso : LinkCapabilities.Gso;

    /// <summary>Software GRO over an inbound batch (in place), counted in <see cref="OffloadStatistics"/>.</summary>
    private void Coalesce(TcpCoalescer coalescer, PacketBatch batch)
    {
        int packets = coalescer.Coalesce(batch, Pool, out int segments);
        if (packets != 0)
        {
            Interlocked.Add(ref Statistics.Offload.GroPackets, packets);
            Interlocked.Add(ref Statistics.Offload.GroSegments, segments);
        }
    }

    /// <summary>
    /// Writes a batch to an interface's link, first splitting TCP super-segments in software when the link cannot
    /// (all segments of one super-segment go out in the same write). Consumes the batch's references.
    /// </summary>
    private void WriteToLink(NetInterface nic, PacketBatch batch)
    {
        ILinkEndpoint link = nic.Link;
        PacketBatch toWrite = batch;
        PacketBatch? segmented = null;
        if (HasSuperSegmentToSplit(link, batch))
        {
            // Taken and given back rather than shared: a link that delivers inline may bring us back here.
            segmented = t_segmentBatch ?? new PacketBatch();
            t_segmentBatch = null;
            Segment(link, batch, segmented, (link.Capabilities & LinkCapabilities.TxChecksumOffload) != 0);
            toWrite = segmented;
        }
        try
        {
            link.WritePackets(toWrite);
        }
        catch (ObjectDisposedException)
        {
            toWrite.ReleaseAll(); // the link went away under us: its packets are dropped
        }
        finally
        {
            if (!toWrite.IsEmpty)
            {
                toWrite.ReleaseAll();
            }
            if (!batch.IsEmpty)
            {
                batch.ReleaseAll();
            }
            if (segmented is not null)
            {
                t_segmentBatch = segmented;
            }
        }
    }

    private bool HasSuperSegmentToSplit(ILinkEndpoint link, PacketBatch batch)
    {
        foreach (PacketBuffer packet in batch.AsSpan())
        {
            if (packet.Offload.GsoType != GsoType.None && SegmentsInSoftware(link, packet.Offload.GsoType))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Moves <paramref name="batch"/> into <paramref name="output"/>, splitting the super-segments <paramref name="link"/> cannot take on the way.</summary>
    private void Segment(ILinkEndpoint link, PacketBatch batch, PacketBatch output, bool partialChecksum)
    {
        long superSegments = 0, segments = 0, drops = 0;
        foreach (PacketBuffer packet in batch.AsSpan())
        {
            GsoType type = packet.Offload.GsoType;
            if (type != GsoType.None && SegmentsInSoftware(link, type))
            {
                int n = type == GsoType.UdpL4
                    ? UdpSegmenter.Segment(packet, Pool, output, partialChecksum)
                    : TcpSegmenter.Segment(packet, Pool, output, partialChecksum);
                if (n == 0)
                {
                    drops++;
                }
                else
                {
                    superSegments++;
                    segments += n;
                }
            }
            else
            {
                output.Add(packet);
            }
        }
        batch.Clear();
        OffloadStatistics stats = Statistics.Offload;
        Interlocked.Add(ref stats.GsoPackets, superSegments);
        Interlocked.Add(ref stats.GsoSegments, segments);
        if (drops != 0)
        {
            Interlocked.Add(ref stats.GsoDrops, drops);
        }
    }
}
