namespace Netstack.Wire;

/// <summary>ICMPv4 message types (RFC 792, IANA "ICMP Type Numbers").</summary>
public static class IcmpV4Type
{
    /// <summary>Echo reply (ping response).</summary>
    public const byte EchoReply = 0;
    /// <summary>Destination unreachable; the code says why (<see cref="IcmpV4Code"/>).</summary>
    public const byte DestinationUnreachable = 3;
    /// <summary>Redirect to a better first-hop router.</summary>
    public const byte Redirect = 5;
    /// <summary>Echo request (ping).</summary>
    public const byte EchoRequest = 8;
    /// <summary>Time exceeded: TTL reached zero in transit or reassembly timed out.</summary>
    public const byte TimeExceeded = 11;
    /// <summary>Parameter problem: a header field is invalid; the pointer locates it.</summary>
    public const byte ParameterProblem = 12;

    /// <summary>Error messages quote the offending datagram and must never be answered with an error (RFC 1122 §3.2.2).</summary>
    public static bool IsError(byte type) =>
        type is DestinationUnreachable or Redirect or TimeExceeded or ParameterProblem;
}

/// <summary>ICMPv4 codes, grouped by the type they belong to (RFC 792, RFC 1122 §3.2.2.1, RFC 1812 §5.2.7.1).</summary>
public static class IcmpV4Code
{
    // Destination unreachable.
    /// <summary>Destination unreachable: no route to the network.</summary>
    public const byte NetUnreachable = 0;
    /// <summary>Destination unreachable: the host cannot be reached.</summary>
    public const byte HostUnreachable = 1;
    /// <summary>Destination unreachable: the transport protocol is not supported by the host.</summary>
    public const byte ProtocolUnreachable = 2;
    /// <summary>Destination unreachable: nothing listens on the port.</summary>
    public const byte PortUnreachable = 3;

    /// <summary>"Fragmentation needed and DF set": carries the next-hop MTU (RFC 1191 §4).</summary>
    public const byte FragmentationNeeded = 4;
    /// <summary>Destination unreachable: a source route failed.</summary>
    public const byte SourceRouteFailed = 5;
    /// <summary>Destination unreachable: destination network unknown.</summary>
    public const byte NetUnknown = 6;
    /// <summary>Destination unreachable: destination host unknown.</summary>
    public const byte HostUnknown = 7;
    /// <summary>Destination unreachable: communication with the network is administratively prohibited.</summary>
    public const byte NetProhibited = 9;
    /// <summary>Destination unreachable: communication with the host is administratively prohibited.</summary>
    public const byte HostProhibited = 10;
    /// <summary>Destination unreachable: communication administratively prohibited by filtering (RFC 1812 §5.2.7.1).</summary>
    public const byte AdministrativelyProhibited = 13;

    // Time exceeded.
    /// <summary>Time exceeded: the TTL reached zero in transit.</summary>
    public const byte TtlExceededInTransit = 0;
    /// <summary>Time exceeded: fragment reassembly timed out.</summary>
    public const byte FragmentReassemblyTimeExceeded = 1;

    // Parameter problem.
    /// <summary>Parameter problem: the pointer gives the offset of the faulty octet.</summary>
    public const byte PointerIndicatesError = 0;
    /// <summary>Parameter problem: a required option is missing.</summary>
    public const byte MissingRequiredOption = 1;
    /// <summary>Parameter problem: bad length.</summary>
    public const byte BadLength = 2;
}
