namespace Netstack.Stack;

/// <summary>What a transport did with an inbound datagram (gVisor's <c>TransportPacketDisposition</c>).</summary>
internal enum TransportDisposition : byte
{
    /// <summary>Taken by the transport: queued for a socket, processed by a connection, or dropped and counted there.</summary>
    Delivered,

    /// <summary>No socket wants it: the network layer answers with ICMP port unreachable (RFC 1122 §4.1.3.1) and releases it.</summary>
    PortUnreachable,

    /// <summary>The transport header was malformed; the transport counted and released it.</summary>
    Malformed,
}
