namespace Netstack.Transport.Tcp;

/// <summary>
/// The peer's segment size as seen from the segments it sends (Linux <c>tcp_measure_rcv_mss</c>, reported as tcpi_rcv_mss):
/// it starts from a conservative guess, rises to the size of any larger segment (the MSS a link's GRO/LRO reports for a
/// coalesced super-segment, else the payload), never above the MSS we advertised, and settles on a smaller size only when
/// two full-looking segments in a row have it (SACK options make sizes jitter; a segment without PSH is full-sized from a
/// sane sender).
/// </summary>
internal struct ReceiveMssEstimator
{
    private const int DefaultMss = 536; // RFC 9293 §3.7.1
    private const int MinMss = 88;      // Linux TCP_MIN_MSS

    private int _lastSegmentSize;

    /// <summary>The estimate in bytes.</summary>
    public int Mss { get; private set; }

    /// <summary>Linux <c>tcp_initialize_rcv_mss</c>: min(our advertised MSS, our send MSS, half the receive window, 536), at least 88.</summary>
    public void Initialize(int advertisedMss, int sendMss, uint receiveWindow)
    {
        long hint = Math.Min(Math.Min(advertisedMss, sendMss), Math.Min(receiveWindow / 2, (uint)DefaultMss));
        Mss = (int)Math.Max(hint, MinMss);
        _lastSegmentSize = 0;
    }

    /// <summary>
    /// A data segment arrived: <paramref name="payload"/> bytes (<paramref name="gsoSize"/> per segment when the link
    /// coalesced several, else 0), a TCP header of <paramref name="headerLength"/> where options beyond the timestamp
    /// make up the difference to <paramref name="fixedHeaderLength"/>, and whether PSH was set.
    /// </summary>
    public void OnSegment(int payload, int gsoSize, int headerLength, int fixedHeaderLength, bool push, int advertisedMss)
    {
        int last = _lastSegmentSize;
        _lastSegmentSize = 0;
        int length = gsoSize > 0 ? gsoSize : payload;
        if (length >= Mss)
        {
            Mss = Math.Min(length, advertisedMss);
            return;
        }
        int withHeader = payload + headerLength;
        if (withHeader >= DefaultMss + TcpSegment.MinHeaderLength || (withHeader >= MinMss + TcpSegment.MinHeaderLength && !push))
        {
            length = withHeader - fixedHeaderLength; // the payload plus the variable SACK option: free of its jitter when repeated
            _lastSegmentSize = length;
            if (length == last)
            {
                Mss = length;
            }
        }
    }
}
