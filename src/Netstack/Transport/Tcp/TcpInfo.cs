namespace Netstack.Transport.Tcp;

/// <summary>A snapshot of one connection's state, like Linux's <c>struct tcp_info</c> (<c>ss -ti</c>).</summary>
public readonly record struct TcpInfo
{
    public TcpState State { get; init; }
    public string CongestionControl { get; init; }
    public uint CongestionWindow { get; init; }
    public uint SlowStartThreshold { get; init; }
    public TimeSpan SmoothedRtt { get; init; }
    public TimeSpan RttVariance { get; init; }
    public TimeSpan MinRtt { get; init; }
    public TimeSpan Rto { get; init; }
    public uint BytesInFlight { get; init; }
    public long Retransmits { get; init; }
    public long SackBlocksReceived { get; init; }
    public int SendMss { get; init; }
    public int AdvertisedMss { get; init; }
    public uint SendWindow { get; init; }
    public uint ReceiveWindow { get; init; }
    public int SendWindowScale { get; init; }
    public int ReceiveWindowScale { get; init; }
    public bool Timestamps { get; init; }
    public bool Sack { get; init; }
    public long BytesSent { get; init; }
    public long BytesReceived { get; init; }
    public long SendBufferBytes { get; init; }
    public long ReceiveQueueBytes { get; init; }
}
