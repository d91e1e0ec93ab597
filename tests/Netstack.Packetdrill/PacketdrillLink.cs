using System.Collections.Concurrent;
using Netstack.Buffers;
using Netstack.Link;
using Netstack.Offload;

namespace Netstack.Packetdrill;

/// <summary>
/// The stack's one link under packetdrill, at the IP layer like packetdrill's TUN device: packets packetdrill
/// injects (<c>netdev_send</c>) are delivered inline on the caller's thread, and packets the stack writes wait in a
/// queue, stamped with the virtual time they left, until packetdrill sniffs them (<c>netdev_receive</c>). Like the
/// kernel's TUN device in packetdrill's local mode, it takes TCP super-segments whole (TSO), so scripts see one
/// segment per write as they do against Linux; checksums are completed here.
/// </summary>
internal sealed class PacketdrillLink(VirtualClock clock) : ILinkEndpoint
{
    private readonly ConcurrentQueue<(byte[] Bytes, long TimeMicroseconds)> _outbound = new();
    private readonly PacketBatch _inbound = new(1);
    private readonly Lock _deliverLock = new();
    private INetworkDispatcher? _dispatcher;

    public int Mtu { get; init; } = 1500;

    public int LinkHeaderLength => 0;

    public LinkCapabilities Capabilities => LinkCapabilities.Gso | LinkCapabilities.TxChecksumOffload;

    public int GsoMaxSize => 65535;

    public PacketPool? Pool { get; set; }

    public void Attach(INetworkDispatcher dispatcher) => _dispatcher = dispatcher;

    /// <summary>
    /// The script turned TSO/GSO off on tun0 (ethtool): super-segments are split here, in software, as Linux splits
    /// them before a device without TSO (validate_xmit_skb), so packetdrill sees one MSS per packet; the stack still
    /// builds them, as Linux's TCP does.
    /// </summary>
    public bool SegmentsInSoftware { get; set; }

    private readonly PacketBatch _segments = new(64);

    public void WritePackets(PacketBatch batch)
    {
        foreach (PacketBuffer packet in batch.AsSpan())
        {
            if (SegmentsInSoftware && packet.Offload.GsoType is GsoType.TcpV4 or GsoType.TcpV6)
            {
                TcpSegmenter.Segment(packet, Pool ?? PacketPool.Shared, _segments, partialChecksum: false);
                foreach (PacketBuffer segment in _segments.AsSpan())
                {
                    Enqueue(segment);
                }
                _segments.Clear();
                continue;
            }
            Enqueue(packet);
        }
        batch.Clear();
    }

    private void Enqueue(PacketBuffer packet)
    {
        if (!packet.Offload.NeedsChecksum || ChecksumHelp.TryComplete(packet))
        {
            _outbound.Enqueue((packet.Span.ToArray(), clock.NowMicroseconds));
        }
        packet.Release();
    }

    /// <summary>Hands one IP packet from packetdrill to the stack, processed before this returns.</summary>
    public void Inject(ReadOnlySpan<byte> ipPacket)
    {
        INetworkDispatcher dispatcher = _dispatcher ?? throw new InvalidOperationException("The link is not attached.");
        PacketPool pool = Pool ?? PacketPool.Shared;
        lock (_deliverLock)
        {
            _inbound.Add(pool.RentCopy(ipPacket));
            dispatcher.DeliverPackets(this, _inbound);
        }
    }

    /// <summary>The oldest packet the stack sent that packetdrill has not sniffed yet.</summary>
    public bool TryTakeOutbound(out byte[] bytes, out long timeMicroseconds)
    {
        if (_outbound.TryDequeue(out var item))
        {
            (bytes, timeMicroseconds) = item;
            return true;
        }
        bytes = [];
        timeMicroseconds = 0;
        return false;
    }

    public bool HasOutbound => !_outbound.IsEmpty;

    public void Dispose()
    {
        while (_outbound.TryDequeue(out _))
        {
        }
    }
}
