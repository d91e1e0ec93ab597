namespace Netstack.Wire;

/// <summary>ICMPv6 message types (RFC 4443 §2.1, RFC 4861 §4). Types below 128 are errors.</summary>
public static class IcmpV6Type
{
    public const byte DestinationUnreachable = 1;
    public const byte PacketTooBig = 2;
    public const byte TimeExceeded = 3;
    public const byte ParameterProblem = 4;
    public const byte EchoRequest = 128;
    public const byte EchoReply = 129;
    public const byte MulticastListenerQuery = 130;
    public const byte RouterSolicitation = 133;
    public const byte RouterAdvertisement = 134;
    public const byte NeighborSolicitation = 135;
    public const byte NeighborAdvertisement = 136;
    public const byte Redirect = 137;
    public const byte MulticastListenerReportV2 = 143;
}

/// <summary>ICMPv6 codes, grouped by the type they belong to (RFC 4443 §3).</summary>
public static class IcmpV6Code
{
    // Destination Unreachable (RFC 4443 §3.1).
    public const byte NoRoute = 0;
    public const byte AdministrativelyProhibited = 1;
    public const byte BeyondScope = 2;
    public const byte AddressUnreachable = 3;
    public const byte PortUnreachable = 4;
    public const byte SourcePolicyFailed = 5;
    public const byte RejectRoute = 6;

    // Time Exceeded (RFC 4443 §3.3).
    public const byte HopLimitExceeded = 0;
    public const byte FragmentReassemblyTimeExceeded = 1;

    // Parameter Problem (RFC 4443 §3.4).
    public const byte ErroneousHeaderField = 0;
    public const byte UnrecognizedNextHeader = 1;
    public const byte UnrecognizedOption = 2;
}
