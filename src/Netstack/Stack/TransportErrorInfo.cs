using Netstack.Wire;

namespace Netstack.Stack;

/// <summary>
/// An ICMP or ICMPv6 error as a transport sees it: what kind, and which of its flows it concerns (the
/// addresses and ports quoted from the offending datagram, as this stack sent them).
/// </summary>
/// <param name="Kind">The error, independent of the IP version.</param>
/// <param name="Type">The raw ICMP type.</param>
/// <param name="Code">The raw ICMP code.</param>
/// <param name="LocalAddress">Source of the quoted datagram (our address).</param>
/// <param name="RemoteAddress">Destination of the quoted datagram.</param>
/// <param name="Protocol">Protocol of the quoted datagram.</param>
/// <param name="LocalPort">Source port of the quoted datagram (0 when not quoted).</param>
/// <param name="RemotePort">Destination port of the quoted datagram (0 when not quoted).</param>
/// <param name="Mtu">The next-hop MTU for <see cref="TransportErrorKind.PacketTooBig"/>, else 0.</param>
/// <param name="QuotedSequence">For TCP, the sequence number quoted (bytes 4–7 of the transport header), else 0.</param>
public readonly record struct TransportErrorInfo(
    TransportErrorKind Kind,
    byte Type,
    byte Code,
    NetAddress LocalAddress,
    NetAddress RemoteAddress,
    byte Protocol,
    ushort LocalPort,
    ushort RemotePort,
    int Mtu,
    uint QuotedSequence);

/// <summary>The meaning of an ICMP error for a transport.</summary>
public enum TransportErrorKind : byte
{
    /// <summary>Any other destination unreachable (network, host, administratively prohibited): soft error.</summary>
    DestinationUnreachable,

    /// <summary>Port unreachable: ECONNREFUSED.</summary>
    PortUnreachable,

    /// <summary>Protocol unreachable (IPv4) or unrecognised next header (ICMPv6 parameter problem code 1).</summary>
    ProtocolUnreachable,

    /// <summary>Fragmentation needed and DF set (ICMPv4 3/4) or packet too big (ICMPv6 2): path MTU in <see cref="TransportErrorInfo.Mtu"/>.</summary>
    PacketTooBig,

    /// <summary>Time exceeded in transit or in reassembly.</summary>
    TimeExceeded,

    /// <summary>Parameter problem.</summary>
    ParameterProblem,
}
