namespace Netstack.Wire;

/// <summary>
/// IP protocol numbers and IPv6 next-header values (IANA "Assigned Internet Protocol Numbers").
/// The IPv6 extension headers share the number space with upper-layer protocols (RFC 8200 §4).
/// </summary>
public static class IpProtocol
{
    public const byte HopByHop = 0;
    public const byte Icmp = 1;
    public const byte Tcp = 6;
    public const byte Udp = 17;
    public const byte Routing = 43;
    public const byte Fragment = 44;
    public const byte IcmpV6 = 58;
    public const byte NoNextHeader = 59;
    public const byte DestinationOptions = 60;
}
