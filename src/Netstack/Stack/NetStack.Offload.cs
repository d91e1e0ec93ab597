using Netstack.Buffers;
using Netstack.Link;
using Netstack.Offload;

namespace Netstack.Stack;

public sealed partial class NetStack
{
    [ThreadStatic]
    private static PacketBatch? t_segmentBatch;

    /// <summary>Whether a super-segment of <paramref name="type"/> may be sent on <paramref name="nic"/>: the link segments it, or the stack does (TCP, <see cref="NetStackOptions.Gso"/>).</summary>
    internal bool CanSegment(NetInterface nic, GsoType type)
    {
        ILinkEndpoint link = nic.Link;
        if (type is GsoType.TcpV4 or GsoType.TcpV6)
        {
            return (link.Capabilities & LinkCapabilities.Gso) != 0 || SegmentsInSoftware(link);
        }
        return (link.Capabilities & LinkCapabilities.UdpGso) != 0;
    }

    /// <summary>Whether the stack splits TCP super-segments for <paramref name="link"/>: software GSO is on, the link cannot segment, and it carries bare IP packets.</summary>
    internal bool SegmentsInSoftware(ILinkEndpoint link) =>
        Options.Gso && (link.Capabilities & LinkCapabilities.Gso) == 0 && link.LinkHeaderLength == 0;

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
        if (SegmentsInSoftware(link) && HasTcpSuperSegment(batch))
        {
            // Taken and given back rather than shared: a link that delivers inline may bring us back here.
            segmented = t_segmentBatch ?? new PacketBatch();
            t_segmentBatch = null;
            Segment(batch, segmented, (link.Capabilities & LinkCapabilities.TxChecksumOffload) != 0);
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

    private static bool HasTcpSuperSegment(PacketBatch batch)
    {
        foreach (PacketBuffer packet in batch.AsSpan())
        {
            if (packet.Offload.GsoType is GsoType.TcpV4 or GsoType.TcpV6)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Moves <paramref name="batch"/> into <paramref name="output"/>, splitting TCP super-segments on the way.</summary>
    private void Segment(PacketBatch batch, PacketBatch output, bool partialChecksum)
    {
        long superSegments = 0, segments = 0, drops = 0;
        foreach (PacketBuffer packet in batch.AsSpan())
        {
            if (packet.Offload.GsoType is GsoType.TcpV4 or GsoType.TcpV6)
            {
                int n = TcpSegmenter.Segment(packet, Pool, output, partialChecksum);
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
