namespace Netstack.Transport.Tcp;

/// <summary>
/// The sending half of one connection: the send sequence space (RFC 9293 §3.3.1), the peer's window and its update
/// rule (§3.10.7.4), the bytes to send (the application's <see cref="TcpSendBuffer"/> or an attached
/// <see cref="ITcpSendSource"/>, which is also the retransmission queue: bytes stay there until acknowledged), and the
/// decision what may go now: the usable window (min of SND.WND and the congestion window, less the flight), Nagle
/// (RFC 896 with Minshall's refinement, RFC 9293 §3.7.4) and sender SWS avoidance (§3.8.6.2.1).
/// </summary>
/// <remarks>
/// Owned by its <see cref="TcpEndpoint"/> and used only under the endpoint's lock. The endpoint keeps the state
/// machine, the timers, congestion control and loss recovery, builds the segments, and reads and writes these fields
/// directly.
/// </remarks>
internal sealed class TcpSender
{
    /// <summary>The application's bytes, the default send source.</summary>
    internal readonly TcpSendBuffer Buffer = new();

    /// <summary>Where the application's writes (and records) ended in the bytes of <see cref="Buffer"/>: PSH and record boundaries.</summary>
    internal readonly TcpWriteMarks Marks = new();

    /// <summary>Where segments copy their payload from: <see cref="Buffer"/>, or a source a forwarder attached.</summary>
    internal ITcpSendSource Source;

    /// <summary>A copy from the source failed under the lock: the endpoint resets on the way out.</summary>
    internal bool SourceFailed;

    /// <summary>ISS: our initial sequence number.</summary>
    internal SeqNumber Iss;

    /// <summary>SND.UNA: the oldest unacknowledged sequence number; offset 0 of the source once the SYN is acknowledged.</summary>
    internal SeqNumber SndUna;

    /// <summary>
    /// SND.NXT: the next sequence number to send. A retransmission timeout rewinds it to SND.UNA (go-back-N), so
    /// <see cref="SndMax"/> remembers the highest ever sent.
    /// </summary>
    internal SeqNumber SndNxt;

    /// <summary>The highest sequence number sent; pure ACKs and RSTs carry it, so the peer never sees them as old.</summary>
    internal SeqNumber SndMax;

    /// <summary>SND.WL1: the segment sequence number of the last window update.</summary>
    internal SeqNumber SndWl1;

    /// <summary>SND.WL2: the segment acknowledgment number of the last window update.</summary>
    internal SeqNumber SndWl2;

    /// <summary>SND.WND: the peer's window, already scaled (RFC 7323 §2).</summary>
    internal uint SndWnd;

    /// <summary>The largest window the peer ever offered (sender SWS avoidance, RFC 5961 §5.2's MAX.SND.WND).</summary>
    internal uint MaxSndWnd;

    /// <summary>Snd.Wind.Shift (RFC 7323 §2.2): how far the peer's window fields are scaled.</summary>
    internal int WindowShift;

    /// <summary>Payload bytes per full-sized segment, options (timestamps) excluded: the effective send MSS.</summary>
    internal int Mss;

    /// <summary>Our FIN is queued after the last byte (Shutdown, Close, or the attached source's end).</summary>
    internal bool FinQueued;

    /// <summary>Our FIN was acknowledged.</summary>
    internal bool FinAcked;

    /// <summary>The end of the last short segment sent (Nagle with Minshall's refinement: one short segment unacknowledged).</summary>
    internal SeqNumber SmallEnd;

    /// <summary>New payload bytes sent, retransmissions excluded (RFC 4898 ThruBytesSent, for <see cref="TcpInfo"/>).</summary>
    internal long BytesSent;

    internal TcpSender() => Source = Buffer;

    /// <summary>Whether segments still copy from the application's buffer (no source attached).</summary>
    internal bool UsesOwnBuffer => ReferenceEquals(Source, Buffer);

    /// <summary>SND.MAX − SND.UNA: sequence space sent and not yet acknowledged.</summary>
    internal uint BytesInFlight => (uint)(SndMax - SndUna);

    /// <summary>Starts the send sequence space: ISS <paramref name="iss"/>, with <paramref name="una"/> the first unacknowledged number.</summary>
    internal void Start(SeqNumber iss, SeqNumber una)
    {
        Iss = iss;
        SndUna = una;
        SmallEnd = una;
        SndNxt = una;
        SndMax = una;
    }

    /// <summary>
    /// Attaches <paramref name="source"/> in place of the application's buffer: only before any byte was written or a
    /// FIN queued, and only once. Returns false otherwise (nothing changed).
    /// </summary>
    internal bool TryAttach(ITcpSendSource source)
    {
        if (Buffer.Length != 0 || FinQueued || !UsesOwnBuffer)
        {
            return false;
        }
        Source = source;
        return true;
    }

    /// <summary>The first window the peer offered (in its SYN, or the ACK that completed a SYN-cookie handshake).</summary>
    internal void InitWindow(uint window, SeqNumber wl1, SeqNumber wl2)
    {
        SndWnd = window;
        MaxSndWnd = window;
        SndWl1 = wl1;
        SndWl2 = wl2;
    }

    /// <summary>Takes the window of the segment numbered <paramref name="wl1"/> acknowledging <paramref name="wl2"/>.</summary>
    internal void TakeWindow(uint window, SeqNumber wl1, SeqNumber wl2)
    {
        SndWnd = window;
        MaxSndWnd = Math.Max(MaxSndWnd, window);
        SndWl1 = wl1;
        SndWl2 = wl2;
    }

    /// <summary>
    /// RFC 9293 §3.10.7.4 (fifth step): the window of an acceptable segment replaces SND.WND unless the segment is older
    /// than the one of the last update (SND.WL1, SND.WL2). Returns true when that opened a zero window.
    /// </summary>
    internal bool UpdateWindow(SeqNumber seq, SeqNumber ack, uint window)
    {
        if (!(SndWl1 < seq || (SndWl1 == seq && SndWl2 <= ack)))
        {
            return false;
        }
        bool opened = SndWnd == 0 && window > 0;
        TakeWindow(window, seq, ack);
        return opened;
    }

    /// <summary>
    /// SND.UNA advances to <paramref name="ack"/>: the acknowledged bytes leave the source (the FIN, when it was
    /// acknowledged too, is noted) and SND.NXT moves up if a go-back-N was behind. Returns the data bytes freed.
    /// </summary>
    internal long Acknowledge(SeqNumber ack)
    {
        uint acked = (uint)(ack - SndUna);
        long data = Math.Min(acked, Source.Length);
        Source.Discard(data);
        if (acked > data && FinQueued && SndMax == SndUna + (uint)data + 1)
        {
            FinAcked = true;
        }
        SndUna = ack;
        Marks.Acknowledge(ack);
        if (SndNxt < SndUna)
        {
            SndNxt = SndUna;
        }
        return data;
    }

    /// <summary>
    /// What is left to send at SND.NXT of the <paramref name="buffered"/> bytes the source holds: the byte count, or −1
    /// when there is nothing, not even the FIN (<paramref name="finPending"/>: the FIN is still to go after them).
    /// </summary>
    internal long Unsent(long buffered, out bool finPending)
    {
        long offset = SndNxt - SndUna;
        long unsent = buffered - offset;
        finPending = FinQueued && !FinAcked && unsent >= 0 && offset <= buffered;
        return unsent <= 0 && !(finPending && unsent == 0) ? -1 : unsent;
    }

    /// <summary>
    /// The payload of the next segment at SND.NXT, or −1 when it must wait: the usable window (the smaller of SND.WND
    /// and <paramref name="congestionWindow"/>, less the flight), at most <paramref name="maxSegment"/>, then Nagle with
    /// Minshall's refinement (as Linux) and sender SWS avoidance (RFC 9293 §3.8.6.2.1): a segment shorter than
    /// <paramref name="mss"/> goes only when it empties the buffer and no other short segment is unacknowledged (or
    /// <paramref name="hold"/> is not <see cref="TcpNagleMode.Nagle"/>, or closing), or when it is at least half the
    /// largest window the peer ever offered. <paramref name="unsent"/> may be cut at a record end
    /// (<paramref name="recordEnds"/>): a record's last segment never waits for data that cannot join it. Corked
    /// (<see cref="TcpNagleMode.Cork"/>), a partial last segment of new data waits (Linux TCP_CORK / MSG_MORE), and the
    /// full segments before it go without it (<paramref name="tailHeld"/>).
    /// When it must wait with nothing in flight, <paramref name="needsProbe"/> says so: no ACK will come to reopen the
    /// window, so the persist timer must (RFC 9293 §3.8.6.1, and RFC 1122 §4.2.3.4's override timeout for SWS).
    /// </summary>
    internal int SegmentLength(long unsent, bool recordEnds, long congestionWindow, int maxSegment, int mss, TcpNagleMode hold,
        out bool needsProbe, out bool tailHeld)
    {
        needsProbe = false;
        tailHeld = false;
        long inFlight = SndNxt - SndUna;
        long usable = Math.Min(SndWnd, congestionWindow) - inFlight;
        int length = (int)Math.Min(Math.Min(unsent, maxSegment), Math.Max(usable, 0));
        if (unsent > 0 && length <= 0)
        {
            needsProbe = SndWnd == 0 && inFlight == 0;
            return -1;
        }
        bool newData = SndNxt >= SndMax;
        if (hold == TcpNagleMode.Cork && newData && length == unsent && !recordEnds && !FinQueued && length % mss != 0)
        {
            if (length < mss)
            {
                needsProbe = inFlight == 0;
                return -1;
            }
            tailHeld = true;
            return length - length % mss;
        }
        if (length < mss && unsent > 0 && newData)
        {
            bool push = length == unsent && (hold != TcpNagleMode.Nagle || SmallEnd <= SndUna || FinQueued || recordEnds);
            if (!push && length < MaxSndWnd / 2)
            {
                needsProbe = inFlight == 0;
                return -1;
            }
        }
        return length;
    }

    /// <summary>A segment of <paramref name="length"/> bytes (and the FIN) went out at SND.NXT; <paramref name="mss"/> is the MSS after it.</summary>
    internal void OnSent(int length, bool fin, int mss)
    {
        if (length < mss)
        {
            SmallEnd = SndNxt + length;
        }
        SndNxt += (uint)length + (fin ? 1u : 0u);
        if (SndNxt > SndMax)
        {
            SndMax = SndNxt;
        }
    }

    /// <summary>Our SYN (or SYN-ACK) went out: it occupies ISS.</summary>
    internal void OnSynSent()
    {
        SndNxt = Iss + 1;
        if (SndNxt > SndMax)
        {
            SndMax = SndNxt;
        }
    }

    /// <summary>[<paramref name="seq"/>, + <paramref name="length"/>) clipped to <paramref name="mss"/>, SND.MAX and the bytes held: the length to resend (≤ 0: nothing).</summary>
    internal int RetransmittableLength(SeqNumber seq, int length, int mss) =>
        (int)Marks.Clip(seq, Math.Min(Math.Min(length, mss), Math.Min(Source.Length - (seq - SndUna), SndMax - seq)), out _);

    /// <summary>The first unacknowledged segment: its payload (up to <paramref name="mss"/>), and whether our FIN rides on it.</summary>
    internal int FirstUnacknowledged(int mss, out bool fin)
    {
        long outstanding = SndMax - SndUna;
        int length = (int)Marks.Clip(SndUna, Math.Min(Math.Min(mss, Source.Length), outstanding), out _);
        fin = FinQueued && !FinAcked && length == Source.Length && outstanding > Source.Length;
        return length;
    }
}
