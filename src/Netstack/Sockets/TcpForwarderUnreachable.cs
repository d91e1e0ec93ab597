namespace Netstack.Sockets;

/// <summary>Which ICMP destination unreachable a forwarder answers a SYN with (RFC 792 / RFC 1812 §5.2.7.1, RFC 4443 §3.1).</summary>
public enum TcpForwarderUnreachable
{
    /// <summary>No route to the network (ICMP code 0; ICMPv6 code 0, no route).</summary>
    Network,

    /// <summary>The host does not answer (ICMP code 1; ICMPv6 code 3, address unreachable).</summary>
    Host,

    /// <summary>Policy forbids it (ICMP code 13; ICMPv6 code 1, administratively prohibited).</summary>
    Prohibited,
}
