namespace Netstack.Wire;

/// <summary>EtherType values (IEEE 802.3, IANA "IEEE 802 Numbers").</summary>
public static class EtherType
{
    /// <summary>Internet Protocol version 4.</summary>
    public const ushort Ipv4 = 0x0800;
    /// <summary>Address Resolution Protocol (RFC 826).</summary>
    public const ushort Arp = 0x0806;

    /// <summary>IEEE 802.1Q customer VLAN tag (C-tag).</summary>
    public const ushort Vlan = 0x8100;
    /// <summary>Internet Protocol version 6 (RFC 2464).</summary>
    public const ushort Ipv6 = 0x86DD;

    /// <summary>IEEE 802.1ad service VLAN tag (S-tag, "QinQ").</summary>
    public const ushort ServiceVlan = 0x88A8;
}
