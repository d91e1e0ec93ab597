using Netstack.Wire;

namespace Netstack.Tests.Wire;

public class EthernetHeaderTests
{
    private static readonly MacAddress MacA = MacAddress.Parse("76:db:84:da:12:d0");
    private static readonly MacAddress MacB = MacAddress.Parse("32:b2:91:12:0a:81");

    /// <summary>
    /// Not captured (the test kernel has no 8021q module): captured frame 13 with an 802.1Q tag inserted by hand
    /// after the source address (TPID 0x8100, TCI 0xa005 = PCP 5, DEI 0, VID 5). `tshark -r -V` decodes it as
    /// "802.1Q Virtual LAN, PRI: 5, DEI: 0, ID: 5", Type IPv4, then the ICMP echo request.
    /// </summary>
    private const string TaggedEchoRequest =
        "32b291120a8176db84da12d08100a00508004500005478d540004001abbf0a0901010a09010208006d99252f0001b8b8046b000000" +
        "00e83f010000000000101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f3031323334353637";

    [Fact]
    public void ParsesCapturedUntaggedFrames()
    {
        byte[] frame = CapturedFrames.Bytes(CapturedFrames.IcmpV4EchoRequest);
        Assert.True(EthernetHeader.TryParse(frame, out EthernetHeader eth));
        Assert.Equal(MacB, eth.Destination);
        Assert.Equal(MacA, eth.Source);
        Assert.Equal(EtherType.Ipv4, eth.EtherType);
        Assert.Equal(EtherType.Ipv4, eth.OuterEtherType);
        Assert.False(eth.HasVlanTag);
        Assert.Equal(14, eth.HeaderLength);
        Assert.Equal(0, eth.VlanTci);
        Assert.Equal(0, eth.VlanId);
        Assert.Equal(84, eth.Payload.Length);
        byte[] written = new byte[14];
        Assert.Equal(14, EthernetHeader.Write(written, MacB, MacA, EtherType.Ipv4));
        Assert.Equal(frame[..14], written);

        byte[] ipv6 = CapturedFrames.Bytes(CapturedFrames.NeighborSolicitation);
        Assert.True(EthernetHeader.TryParse(ipv6, out EthernetHeader eth6));
        Assert.Equal(EtherType.Ipv6, eth6.EtherType);
        Assert.True(eth6.Destination.IsMulticast);
        Assert.Equal(MacAddress.FromIPv6Multicast(NetAddress.Parse("fd00:9::2").SolicitedNode), eth6.Destination);

        byte[] arp = CapturedFrames.Bytes(CapturedFrames.ArpRequest);
        Assert.True(EthernetHeader.TryParse(arp, out EthernetHeader ethArp));
        Assert.Equal(EtherType.Arp, ethArp.EtherType);
        Assert.True(ethArp.Destination.IsBroadcast);
        Assert.Equal(MacAddress.Broadcast, ethArp.Destination);
    }

    [Fact]
    public void ParsesVlanTaggedFrame()
    {
        byte[] frame = CapturedFrames.Bytes(TaggedEchoRequest);
        Assert.True(EthernetHeader.TryParse(frame, out EthernetHeader eth));
        Assert.True(eth.HasVlanTag);
        Assert.Equal(18, eth.HeaderLength);
        Assert.Equal(EtherType.Vlan, eth.OuterEtherType);
        Assert.Equal(EtherType.Ipv4, eth.EtherType);
        Assert.Equal(0xa005, eth.VlanTci);
        Assert.Equal(5, eth.VlanId);
        Assert.Equal(5, eth.VlanPriority);
        Assert.True(Ipv4Header.TryParse(eth.Payload, out Ipv4Header ip));
        Assert.True(ip.IsChecksumValid);

        byte[] written = new byte[18];
        Assert.Equal(18, EthernetHeader.WriteVlan(written, MacB, MacA, 0xa005, EtherType.Ipv4));
        Assert.Equal(frame[..18], written);
    }

    [Fact]
    public void TruncatedFramesAreRejected()
    {
        byte[] tagged = CapturedFrames.Bytes(TaggedEchoRequest);
        WireTestHelpers.AssertPrefixes(tagged, 18, b => EthernetHeader.TryParse(b, out _));
        byte[] untagged = CapturedFrames.Bytes(CapturedFrames.ArpRequest);
        WireTestHelpers.AssertPrefixes(untagged, 14, b => EthernetHeader.TryParse(b, out _));
        // An S-tag TPID also needs the 4 tag bytes.
        byte[] qinq = tagged[..16];
        qinq[12] = 0x88;
        qinq[13] = 0xA8;
        Assert.False(EthernetHeader.TryParse(qinq, out _));
    }

    [Fact]
    public void SettersWriteTheirFields()
    {
        byte[] frame = CapturedFrames.Bytes(TaggedEchoRequest);
        Assert.True(EthernetHeader.TryParse(frame, out EthernetHeader eth));
        eth.Destination = MacA;
        eth.Source = MacB;
        eth.EtherType = EtherType.Ipv6;
        Assert.Equal(MacA, eth.Destination);
        Assert.Equal(MacB, eth.Source);
        Assert.Equal(EtherType.Ipv6, eth.EtherType);
        Assert.Equal(EtherType.Vlan, eth.OuterEtherType); // the tag stays
        Assert.Equal(0x86, frame[16]);
    }

    [Fact]
    public void MacAddressFormatsAndParses()
    {
        Assert.Equal("76:db:84:da:12:d0", MacA.ToString());
        Assert.Equal(MacA, MacAddress.Parse("76-db-84-da-12-d0"));
        Assert.False(MacA.IsMulticast);
        Assert.Throws<FormatException>(() => MacAddress.Parse("76:db:84:da:12"));
    }
}
