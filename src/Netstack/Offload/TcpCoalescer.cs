using System.Buffers.Binary;
using Netstack.Buffers;
using Netstack.Wire;

namespace Netstack.Offload;

/// <summary>
/// Software GRO for TCP: within one inbound batch, merges consecutive in-order segments of the same flow into one
/// larger segment, so TCP (and everything on the way up) runs once per merged packet instead of once per wire
/// segment. The rules are Linux's <c>tcp_gro_receive</c> with <c>inet_gro_receive</c>/<c>ipv6_gro_receive</c>.
/// </summary>
/// <remarks>
/// <para>A segment joins the flow's held packet only when: the addresses and ports are the same; for IPv4 the
/// header is 20 bytes (no options, as Linux), TOS, TTL and DF are equal and the identification is the first one's
/// plus the count (or, with DF, fixed: decided at the second segment); for IPv6 the next header is TCP, and the
/// traffic class, flow label and hop limit are equal; the sequence number continues the held data exactly; the
/// ACK number is equal; the 32-bit word of data offset, flags and window is equal except for PSH and FIN
/// (and CWR, which may only be on the first); the new segment has no CWR; the options are byte-identical
/// (timestamps included); its payload is no larger than the first's (the MSS); and the result stays within
/// <see cref="MaxPacketSize"/>. A segment shorter than the first, or with PSH or FIN, is merged as the last one
/// and closes the packet (its PSH/FIN carried over). A segment that may not join closes the held packet and
/// starts a new one if it can itself be held: it has payload and no SYN, RST, URG, PSH or FIN. Segments already
/// marked as super-segments, fragments, and anything that is not TCP pass through untouched.</para>
/// <para>Only segments whose checksums are good are held: the IPv4 header and TCP checksums are verified here
/// unless the link vouched for them (<see cref="OffloadInfo.ChecksumValid"/>), and verified segments are marked
/// so the layers above do not check again. A bad one passes unmerged, to be dropped and counted by IP or TCP.
/// A merged packet gets corrected IP lengths and header checksum, a TCP checksum left as the pseudo-header sum
/// (Linux's CHECKSUM_PARTIAL), and offload marks: GSO type, <see cref="OffloadInfo.GsoSize"/> = the MSS,
/// <see cref="OffloadInfo.SegmentCount"/>, <see cref="OffloadInfo.ChecksumValid"/>. It takes the place of its
/// first segment in the batch. Everything is flushed at the end of the batch; there are no timers.</para>
/// <para>The first merge copies the held segment into a pooled buffer big enough for <see cref="MaxPacketSize"/>
/// (unless its own buffer has the room and no one else holds it); later segments are appended. One instance per
/// dispatcher thread: it is not thread-safe, and it allocates nothing after construction.</para>
/// </remarks>
internal sealed class TcpCoalescer
{
    /// <summary>Flows held at once (Linux holds 8 per GRO bucket); the oldest is flushed to make room.</summary>
    public const int DefaultMaxFlows = 8;

    private const byte MergeableFlagMask = unchecked((byte)~(TcpFlags.Cwr | TcpFlags.Fin | TcpFlags.Psh));
    private const TcpFlags CannotHold = TcpFlags.Syn | TcpFlags.Rst | TcpFlags.Urg | TcpFlags.Psh | TcpFlags.Fin;

    private readonly Flow[] _flows;
    private int _flowCount;
    private int _merged;
    private int _segments;

    /// <summary>Creates a coalescer holding up to <paramref name="maxFlows"/> flows, merging into IP packets of at most <paramref name="maxPacketSize"/> bytes.</summary>
    public TcpCoalescer(int maxFlows = DefaultMaxFlows, int maxPacketSize = 65535)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxFlows, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPacketSize, 1280);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxPacketSize, 65535);
        _flows = new Flow[maxFlows];
        MaxPacketSize = maxPacketSize;
    }

    /// <summary>The largest IP packet a merge may produce (65535 at most: the IPv4 total length field).</summary>
    public int MaxPacketSize { get; }

    /// <summary>
    /// Merges what can be merged in <paramref name="batch"/>, in place: merged segments are released and removed,
    /// each merged packet sits where its first segment was, and the order within every flow is kept.
    /// Returns how many merged packets were made; <paramref name="segments"/> is how many wire segments went into them.
    /// </summary>
    public int Coalesce(PacketBatch batch, PacketPool pool, out int segments)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(pool);
        Array.Clear(_flows); // nothing is held across batches (a previous call may have been cut short)
        _flowCount = 0;
        _merged = 0;
        _segments = 0;
        int count = batch.Count;
        int write = 0;
        for (int read = 0; read < count; read++)
        {
            PacketBuffer packet = batch[read];
            if (!TryAdd(batch, write, packet, pool))
            {
                batch[write++] = packet;
            }
        }
        while (_flowCount > 0)
        {
            Close(_flowCount - 1);
        }
        batch.Truncate(write);
        segments = _segments;
        return _merged;
    }

    /// <summary>Handles one packet about to take output slot <paramref name="slot"/>; true when it was merged into a held one (and released).</summary>
    private bool TryAdd(PacketBatch batch, int slot, PacketBuffer packet, PacketPool pool)
    {
        Span<byte> bytes = packet.Span;
        if (!TryParse(bytes, out Segment seg))
        {
            if (seg.IsTcpFragment)
            {
                // A TCP fragment belongs to some flow we cannot name: keep every flow's order by flushing them all.
                while (_flowCount > 0)
                {
                    Close(_flowCount - 1);
                }
            }
            return false;
        }
        int index = Find(bytes, seg);
        bool eligible = packet.Offload.GsoType == GsoType.None && seg.PayloadLength > 0
            && (seg.Flags & (TcpFlags.Syn | TcpFlags.Rst | TcpFlags.Urg)) == 0;
        if (eligible && !packet.Offload.ChecksumValid)
        {
            eligible = ChecksumsValid(bytes, seg);
            packet.Offload.ChecksumValid = eligible;
        }
        if (index >= 0)
        {
            ref Flow flow = ref _flows[index];
            if (eligible && CanMerge(ref flow, bytes, seg))
            {
                Append(batch, ref flow, packet, seg, pool);
                if (seg.PayloadLength < flow.Mss || (seg.Flags & (TcpFlags.Psh | TcpFlags.Fin)) != 0)
                {
                    Close(index);
                }
                return true;
            }
            Close(index);
        }
        if (eligible && (seg.Flags & CannotHold) == 0 && bytes.Length <= MaxPacketSize)
        {
            Hold(slot, packet, seg);
        }
        return false;
    }

    private bool CanMerge(ref Flow flow, Span<byte> bytes, in Segment seg)
    {
        PacketBuffer held = flow.Packet;
        Span<byte> h = held.Span;
        if (seg.PayloadLength > flow.Mss || h.Length + seg.PayloadLength > MaxPacketSize || seg.Sequence != flow.NextSequence)
        {
            return false;
        }
        if ((seg.Flags & TcpFlags.Cwr) != 0)
        {
            return false;
        }
        if (seg.IsV6)
        {
            // Version, traffic class, flow label (the first word), then next header and hop limit.
            if (BinaryPrimitives.ReadUInt32BigEndian(bytes) != BinaryPrimitives.ReadUInt32BigEndian(h)
                || bytes[Ipv6Header.NextHeaderOffset] != h[Ipv6Header.NextHeaderOffset]
                || bytes[Ipv6Header.HopLimitOffset] != h[Ipv6Header.HopLimitOffset])
            {
                return false;
            }
        }
        else
        {
            if (bytes[Ipv4Header.TypeOfServiceOffset] != h[Ipv4Header.TypeOfServiceOffset]
                || bytes[Ipv4Header.TimeToLiveOffset] != h[Ipv4Header.TimeToLiveOffset]
                || seg.DontFragment != flow.DontFragment)
            {
                return false;
            }
            ushort offset = (ushort)(seg.Identification - flow.FirstIdentification);
            if (flow.Count == 1 && seg.DontFragment && offset == 0)
            {
                flow.FixedIdentification = true;
            }
            if (offset != (flow.FixedIdentification ? 0 : flow.Count))
            {
                return false;
            }
        }
        int ip = seg.IpHeaderLength;
        Span<byte> tcp = bytes[ip..];
        Span<byte> heldTcp = h[ip..];
        if (BinaryPrimitives.ReadUInt32BigEndian(tcp[TcpHeader.AcknowledgmentNumberOffset..]) != BinaryPrimitives.ReadUInt32BigEndian(heldTcp[TcpHeader.AcknowledgmentNumberOffset..])
            || tcp[TcpHeader.DataOffsetOffset] != heldTcp[TcpHeader.DataOffsetOffset]
            || ((tcp[TcpHeader.FlagsOffset] ^ heldTcp[TcpHeader.FlagsOffset]) & MergeableFlagMask) != 0
            || BinaryPrimitives.ReadUInt16BigEndian(tcp[TcpHeader.WindowOffset..]) != BinaryPrimitives.ReadUInt16BigEndian(heldTcp[TcpHeader.WindowOffset..]))
        {
            return false;
        }
        return tcp[TcpHeader.MinLength..seg.TcpHeaderLength].SequenceEqual(heldTcp[TcpHeader.MinLength..seg.TcpHeaderLength]);
    }

    private void Hold(int slot, PacketBuffer packet, in Segment seg)
    {
        if (_flowCount == _flows.Length)
        {
            Close(OldestFlow());
        }
        _flows[_flowCount++] = new Flow
        {
            Packet = packet,
            Slot = slot,
            Mss = seg.PayloadLength,
            Count = 1,
            NextSequence = seg.Sequence + (uint)seg.PayloadLength,
            IsV6 = seg.IsV6,
            IpHeaderLength = seg.IpHeaderLength,
            TcpHeaderLength = seg.TcpHeaderLength,
            FirstIdentification = seg.Identification,
            DontFragment = seg.DontFragment,
        };
    }

    private int OldestFlow()
    {
        int oldest = 0;
        for (int i = 1; i < _flowCount; i++)
        {
            if (_flows[i].Slot < _flows[oldest].Slot)
            {
                oldest = i;
            }
        }
        return oldest;
    }

    private void Append(PacketBatch batch, ref Flow flow, PacketBuffer packet, in Segment seg, PacketPool pool)
    {
        PacketBuffer held = flow.Packet;
        if (flow.Count == 1 && (held.ReferenceCount != 1 || held.Tailroom < MaxPacketSize - held.Length))
        {
            // First merge: move the held segment into a buffer with room for the whole merged packet.
            PacketBuffer bigger = pool.Rent(MaxPacketSize);
            held.Span.CopyTo(bigger.Append(held.Length));
            bigger.Offload = held.Offload;
            bigger.InterfaceId = held.InterfaceId;
            held.Release();
            batch[flow.Slot] = bigger;
            flow.Packet = held = bigger;
        }
        packet.Span[(seg.IpHeaderLength + seg.TcpHeaderLength)..].CopyTo(held.Append(seg.PayloadLength));
        flow.Count++;
        flow.NextSequence += (uint)seg.PayloadLength;
        flow.Flags |= (TcpFlags)((byte)seg.Flags & (byte)(TcpFlags.Psh | TcpFlags.Fin));
        packet.Release();
    }

    /// <summary>Finishes flow <paramref name="index"/>: a merged packet gets its headers and offload marks; the flow is forgotten.</summary>
    private void Close(int index)
    {
        ref Flow flow = ref _flows[index];
        if (flow.Count > 1)
        {
            PacketBuffer packet = flow.Packet;
            Span<byte> b = packet.Span;
            int ip = flow.IpHeaderLength;
            NetAddress source, destination;
            if (flow.IsV6)
            {
                BinaryPrimitives.WriteUInt16BigEndian(b[Ipv6Header.PayloadLengthOffset..], (ushort)(b.Length - Ipv6Header.Length));
                source = NetAddress.ReadV6(b[Ipv6Header.SourceOffset..]);
                destination = NetAddress.ReadV6(b[Ipv6Header.DestinationOffset..]);
            }
            else
            {
                BinaryPrimitives.WriteUInt16BigEndian(b[Ipv4Header.TotalLengthOffset..], (ushort)b.Length);
                BinaryPrimitives.WriteUInt16BigEndian(b[Ipv4Header.ChecksumOffset..], 0);
                BinaryPrimitives.WriteUInt16BigEndian(b[Ipv4Header.ChecksumOffset..], Checksum.Compute(b[..ip]));
                source = NetAddress.ReadV4(b[Ipv4Header.SourceOffset..]);
                destination = NetAddress.ReadV4(b[Ipv4Header.DestinationOffset..]);
            }
            Span<byte> tcp = b[ip..];
            tcp[TcpHeader.FlagsOffset] |= (byte)flow.Flags;
            ulong pseudo = Checksum.PseudoHeader(source, destination, IpProtocol.Tcp, tcp.Length);
            BinaryPrimitives.WriteUInt16BigEndian(tcp[TcpHeader.ChecksumOffset..], Checksum.Fold(pseudo));
            ref OffloadInfo offload = ref packet.Offload;
            offload.GsoType = flow.IsV6 ? GsoType.TcpV6 : GsoType.TcpV4;
            offload.GsoSize = (ushort)flow.Mss;
            offload.HeaderLength = (ushort)(ip + flow.TcpHeaderLength);
            offload.SegmentCount = (ushort)flow.Count;
            offload.ChecksumValid = true;
            offload.NeedsChecksum = true;
            offload.ChecksumStart = (ushort)ip;
            offload.ChecksumOffset = TcpHeader.ChecksumOffset;
            _merged++;
            _segments += flow.Count;
        }
        _flows[index] = _flows[--_flowCount];
        _flows[_flowCount] = default;
    }

    private int Find(Span<byte> bytes, in Segment seg)
    {
        int ports = seg.IpHeaderLength;
        for (int i = 0; i < _flowCount; i++)
        {
            ref Flow flow = ref _flows[i];
            if (flow.IsV6 != seg.IsV6 || flow.IpHeaderLength != seg.IpHeaderLength)
            {
                continue;
            }
            Span<byte> h = flow.Packet.Span;
            bool same = seg.IsV6
                ? bytes.Slice(Ipv6Header.SourceOffset, 32).SequenceEqual(h.Slice(Ipv6Header.SourceOffset, 32))
                : BinaryPrimitives.ReadUInt64LittleEndian(bytes[Ipv4Header.SourceOffset..]) == BinaryPrimitives.ReadUInt64LittleEndian(h[Ipv4Header.SourceOffset..]);
            if (same && BinaryPrimitives.ReadUInt32LittleEndian(bytes[ports..]) == BinaryPrimitives.ReadUInt32LittleEndian(h[ports..]))
            {
                return i;
            }
        }
        return -1;
    }

    private static bool ChecksumsValid(Span<byte> bytes, in Segment seg)
    {
        if (!seg.IsV6 && !Checksum.IsValid(bytes[..Ipv4Header.MinLength]))
        {
            return false;
        }
        NetAddress source = seg.IsV6 ? NetAddress.ReadV6(bytes[Ipv6Header.SourceOffset..]) : NetAddress.ReadV4(bytes[Ipv4Header.SourceOffset..]);
        NetAddress destination = seg.IsV6 ? NetAddress.ReadV6(bytes[Ipv6Header.DestinationOffset..]) : NetAddress.ReadV4(bytes[Ipv4Header.DestinationOffset..]);
        Span<byte> tcp = bytes[seg.IpHeaderLength..];
        return Checksum.IsValid(tcp, Checksum.PseudoHeader(source, destination, IpProtocol.Tcp, tcp.Length));
    }

    /// <summary>Parses what GRO needs of a TCP packet; false for anything it leaves alone.</summary>
    private static bool TryParse(Span<byte> bytes, out Segment seg)
    {
        seg = default;
        if (bytes.Length < Ipv4Header.MinLength)
        {
            return false;
        }
        int ip;
        if (bytes[0] == 0x45)
        {
            // Linux merges only 20-byte IPv4 headers; the lengths must be exact (no link padding).
            if (bytes[Ipv4Header.ProtocolOffset] != IpProtocol.Tcp)
            {
                return false;
            }
            ushort fragment = BinaryPrimitives.ReadUInt16BigEndian(bytes[Ipv4Header.FlagsFragmentOffset..]);
            if ((fragment & 0x3FFF) != 0)
            {
                seg.IsTcpFragment = true;
                return false;
            }
            if (BinaryPrimitives.ReadUInt16BigEndian(bytes[Ipv4Header.TotalLengthOffset..]) != bytes.Length)
            {
                return false;
            }
            ip = Ipv4Header.MinLength;
            seg.Identification = BinaryPrimitives.ReadUInt16BigEndian(bytes[Ipv4Header.IdentificationOffset..]);
            seg.DontFragment = (fragment & 0x4000) != 0;
        }
        else if ((bytes[0] >> 4) == 6 && bytes.Length >= Ipv6Header.Length)
        {
            if (bytes[Ipv6Header.NextHeaderOffset] != IpProtocol.Tcp
                || Ipv6Header.Length + BinaryPrimitives.ReadUInt16BigEndian(bytes[Ipv6Header.PayloadLengthOffset..]) != bytes.Length)
            {
                return false;
            }
            ip = Ipv6Header.Length;
            seg.IsV6 = true;
        }
        else
        {
            return false;
        }
        if (bytes.Length < ip + TcpHeader.MinLength)
        {
            return false;
        }
        int tcpLength = (bytes[ip + TcpHeader.DataOffsetOffset] >> 4) * 4;
        if (tcpLength < TcpHeader.MinLength || ip + tcpLength > bytes.Length)
        {
            return false;
        }
        seg.IpHeaderLength = ip;
        seg.TcpHeaderLength = tcpLength;
        seg.PayloadLength = bytes.Length - ip - tcpLength;
        seg.Sequence = BinaryPrimitives.ReadUInt32BigEndian(bytes[(ip + TcpHeader.SequenceNumberOffset)..]);
        seg.Flags = (TcpFlags)bytes[ip + TcpHeader.FlagsOffset];
        return true;
    }

    /// <summary>What GRO reads of one arriving segment.</summary>
    private struct Segment
    {
        public bool IsV6;
        public bool IsTcpFragment;
        public int IpHeaderLength;
        public int TcpHeaderLength;
        public int PayloadLength;
        public uint Sequence;
        public TcpFlags Flags;
        public ushort Identification;
        public bool DontFragment;
    }

    /// <summary>One held packet: the first segment of a flow (or the merge so far) and what the next segment must match.</summary>
    private struct Flow
    {
        public PacketBuffer Packet;
        public int Slot;
        public int Mss;
        public int Count;
        public uint NextSequence;
        public bool IsV6;
        public int IpHeaderLength;
        public int TcpHeaderLength;
        public ushort FirstIdentification;
        public bool DontFragment;
        public bool FixedIdentification;
        public TcpFlags Flags;
    }
}
