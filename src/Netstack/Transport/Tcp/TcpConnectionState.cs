namespace Netstack.Transport.Tcp;

/// <summary>The connection states of RFC 9293 §3.3.2, named as in the RFC.</summary>
public enum TcpConnectionState
{
    /// <summary>No connection (RFC 9293's fictional CLOSED state): never opened, or fully ended.</summary>
    Closed,
    /// <summary>Waiting for a SYN from any peer.</summary>
    Listen,
    /// <summary>SYN sent, waiting for the matching SYN-ACK.</summary>
    SynSent,
    /// <summary>SYN received and SYN-ACK sent, waiting for its acknowledgment.</summary>
    SynReceived,
    /// <summary>Open: data flows both ways.</summary>
    Established,
    /// <summary>This side closed and sent FIN, which is not yet acknowledged.</summary>
    FinWait1,
    /// <summary>This side's FIN was acknowledged; waiting for the peer's FIN.</summary>
    FinWait2,
    /// <summary>The peer's FIN arrived; waiting for this side to close.</summary>
    CloseWait,
    /// <summary>Both sides sent FIN at once; waiting for the acknowledgment of ours.</summary>
    Closing,
    /// <summary>This side closed after the peer's FIN; waiting for the acknowledgment of our FIN.</summary>
    LastAck,
    /// <summary>Both FINs acknowledged; waiting 2×MSL so late segments die out (RFC 9293 §3.6.1).</summary>
    TimeWait,
}
