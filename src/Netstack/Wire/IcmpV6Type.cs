namespace Netstack.Wire;

/// <summary>ICMPv6 message types (RFC 4443 §2.1, RFC 4861 §4). Types below 128 are errors.</summary>
public static class IcmpV6Type
{
    /// <summary>Destination unreachable (RFC 4443 §3.1).</summary>
    public const byte DestinationUnreachable = 1;
    /// <summary>Packet too big: carries the next-hop MTU (RFC 4443 §3.2, RFC 8201).</summary>
    public const byte PacketTooBig = 2;
    /// <summary>Time exceeded (RFC 4443 §3.3).</summary>
    public const byte TimeExceeded = 3;
    /// <summary>Parameter problem: the pointer locates the faulty octet (RFC 4443 §3.4).</summary>
    public const byte ParameterProblem = 4;
    /// <summary>Echo request (RFC 4443 §4.1).</summary>
    public const byte EchoRequest = 128;
    /// <summary>Echo reply (RFC 4443 §4.2).</summary>
    public const byte EchoReply = 129;
    /// <summary>Multicast Listener Query (RFC 2710 §3.6, RFC 3810 §5.1).</summary>
    public const byte MulticastListenerQuery = 130;
    /// <summary>Router Solicitation (RFC 4861 §4.1).</summary>
    public const byte RouterSolicitation = 133;
    /// <summary>Router Advertisement (RFC 4861 §4.2).</summary>
    public const byte RouterAdvertisement = 134;
    /// <summary>Neighbor Solicitation: address resolution and unreachability detection (RFC 4861 §4.3).</summary>
    public const byte NeighborSolicitation = 135;
    /// <summary>Neighbor Advertisement: the answer to a solicitation (RFC 4861 §4.4).</summary>
    public const byte NeighborAdvertisement = 136;
    /// <summary>Redirect (RFC 4861 §4.5).</summary>
    public const byte Redirect = 137;
    /// <summary>Version 2 Multicast Listener Report (RFC 3810 §5.2).</summary>
    public const byte MulticastListenerReportV2 = 143;
}

/// <summary>ICMPv6 codes, grouped by the type they belong to (RFC 4443 §3).</summary>
public static class IcmpV6Code
{
    // Destination Unreachable (RFC 4443 §3.1).
    /// <summary>Destination unreachable: no route to destination.</summary>
    public const byte NoRoute = 0;
    /// <summary>Destination unreachable: communication administratively prohibited.</summary>
    public const byte AdministrativelyProhibited = 1;
    /// <summary>Destination unreachable: beyond the scope of the source address.</summary>
    public const byte BeyondScope = 2;
    /// <summary>Destination unreachable: address unreachable (e.g. neighbor resolution failed).</summary>
    public const byte AddressUnreachable = 3;
    /// <summary>Destination unreachable: nothing listens on the port.</summary>
    public const byte PortUnreachable = 4;
    /// <summary>Destination unreachable: the source address failed ingress/egress policy.</summary>
    public const byte SourcePolicyFailed = 5;
    /// <summary>Destination unreachable: reject route to destination.</summary>
    public const byte RejectRoute = 6;

    // Time Exceeded (RFC 4443 §3.3).
    /// <summary>Time exceeded: the hop limit reached zero in transit.</summary>
    public const byte HopLimitExceeded = 0;
    /// <summary>Time exceeded: fragment reassembly timed out.</summary>
    public const byte FragmentReassemblyTimeExceeded = 1;

    // Parameter Problem (RFC 4443 §3.4).
    /// <summary>Parameter problem: erroneous header field.</summary>
    public const byte ErroneousHeaderField = 0;
    /// <summary>Parameter problem: unrecognized Next Header type.</summary>
    public const byte UnrecognizedNextHeader = 1;
    /// <summary>Parameter problem: unrecognized IPv6 option.</summary>
    public const byte UnrecognizedOption = 2;
}
