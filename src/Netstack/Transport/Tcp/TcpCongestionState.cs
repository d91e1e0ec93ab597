namespace Netstack.Transport.Tcp;

/// <summary>
/// Where a connection's sender stands in congestion control, as Linux's <c>tcpi_ca_state</c> reports it (the values
/// are Linux's <c>TCP_CA_*</c>).
/// </summary>
public enum TcpCongestionState
{
    /// <summary>Nothing unusual: no SACKed or duplicately acknowledged data outstanding.</summary>
    Open = 0,

    /// <summary>The peer reported data out of order (SACK blocks or duplicate ACKs), not yet judged lost.</summary>
    Disorder = 1,

    /// <summary>The window was reduced for an ECN congestion signal (RFC 3168 §6.1.2) and the reduction is under way.</summary>
    Cwr = 2,

    /// <summary>Fast recovery (RFC 6675 / RFC 6582) is repairing a loss.</summary>
    Recovery = 3,

    /// <summary>The retransmission timer expired; data is being resent from SND.UNA (RFC 6298 §5).</summary>
    Loss = 4,
}
