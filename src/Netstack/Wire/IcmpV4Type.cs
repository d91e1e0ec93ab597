namespace Netstack.Wire;

/// <summary>ICMPv4 message types (RFC 792, IANA "ICMP Type Numbers").</summary>
public static class IcmpV4Type
{
    public const byte EchoReply = 0;
    public const byte DestinationUnreachable = 3;
    public const byte Redirect = 5;
    public const byte EchoRequest = 8;
    public const byte TimeExceeded = 11;
    public const byte ParameterProblem = 12;

    /// <summary>Error messages quote the offending datagram and must never be answered with an error (RFC 1122 §3.2.2).</summary>
    public static bool IsError(byte type) =>
        type is DestinationUnreachable or Redirect or TimeExceeded or ParameterProblem;
}

/// <summary>ICMPv4 codes, grouped by the type they belong to (RFC 792, RFC 1122 §3.2.2.1, RFC 1812 §5.2.7.1).</summary>
public static class IcmpV4Code
{
    // Destination unreachable.
    public const byte NetUnreachable = 0;
    public const byte HostUnreachable = 1;
    public const byte ProtocolUnreachable = 2;
    public const byte PortUnreachable = 3;

    /// <summary>"Fragmentation needed and DF set": carries the next-hop MTU (RFC 1191 §4).</summary>
    public const byte FragmentationNeeded = 4;
    public const byte SourceRouteFailed = 5;
    public const byte NetUnknown = 6;
    public const byte HostUnknown = 7;
    public const byte NetProhibited = 9;
    public const byte HostProhibited = 10;
    public const byte AdministrativelyProhibited = 13;

    // Time exceeded.
    public const byte TtlExceededInTransit = 0;
    public const byte FragmentReassemblyTimeExceeded = 1;

    // Parameter problem.
    public const byte PointerIndicatesError = 0;
    public const byte MissingRequiredOption = 1;
    public const byte BadLength = 2;
}
