namespace Netstack.Transport.Tcp;

/// <summary>
/// Whether a connection uses Explicit Congestion Notification (RFC 3168): the values of Linux's <c>net.ipv4.tcp_ecn</c>.
/// ECN is used only when both ends agree in the handshake (§6.1.1).
/// </summary>
public enum TcpEcnMode
{
    /// <summary>Never: SYNs do not ask for ECN and a peer's request is declined (<c>tcp_ecn=0</c>).</summary>
    Disabled = 0,

    /// <summary>Ask for ECN on our SYNs and accept a peer's request (<c>tcp_ecn=1</c>).</summary>
    RequestAndAccept = 1,

    /// <summary>Accept a peer's request, but do not ask on our own SYNs (<c>tcp_ecn=2</c>, Linux's default).</summary>
    AcceptOnly = 2,
}
