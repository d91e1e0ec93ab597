namespace Netstack.Wire;

/// <summary>EtherType values (IEEE 802.3, IANA "IEEE 802 Numbers").</summary>
public static class EtherType
{
    public const ushort Ipv4 = 0x0800;
    public const ushort Arp = 0x0806;

    /// <summary>IEEE 802.1Q customer VLAN tag (C-tag).</summary>
    public const ushort Vlan = 0x8100;
    public const ushort Ipv6 = 0x86DD;

    /// <summary>IEEE 802.1ad service VLAN tag (S-tag, "QinQ").</summary>
    public const ushort ServiceVlan = 0x88A8;
}
