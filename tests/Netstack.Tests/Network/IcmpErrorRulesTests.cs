using System.Buffers.Binary;
using Netstack.Wire;

namespace Netstack.Tests.Network;

/// <summary>
/// When the stack must not send an ICMP error (RFC 1122 §3.2.2, RFC 4443 §2.4(e)): never about an ICMP error, about
/// a datagram to a broadcast or multicast address (except the two IPv6 exceptions), or about a non-initial fragment;
/// and the errors it does send are rate-limited (RFC 1812 §4.3.2.8, RFC 4443 §2.4(f)). Each case has a twin that
/// draws the error, so the test fails if errors are never sent at all.
/// </summary>
public class IcmpErrorRulesTests
{
    /// <summary>An unknown option of action 10 (RFC 8200 §4.2) draws a parameter problem, unless the datagram carried an ICMPv6 error.</summary>
    [Theory]
    [InlineData(IcmpV6Type.EchoRequest, 1)] // informational: the error is sent
    [InlineData(IcmpV6Type.DestinationUnreachable, 0)] // an error: none about it (§2.4(e.1))
    [InlineData(IcmpV6Type.ParameterProblem, 0)]
    public void No_icmpv6_error_about_an_icmpv6_error(byte carriedType, int errors)
    {
        using var host = new SingleHost();
        byte[] carried = SingleHost.Icmp6(SingleHost.Peer6, SingleHost.Host6, carriedType, 0, new byte[48]);
        byte[] payload = SingleHost.Concat(SingleHost.OptionsHeader(IpProtocol.IcmpV6, 0x9E), carried);
        host.Deliver(SingleHost.Ipv6(SingleHost.Peer6, SingleHost.Host6, IpProtocol.HopByHop, payload));
        var sent = SingleHost.Icmp6Messages(host.TakeWritten());
        Assert.Equal(errors, sent.Count);
        Assert.All(sent, m => Assert.Equal(IcmpV6Type.ParameterProblem, m.Type));
    }

    /// <summary>RFC 8200 §4.2 action bits with a multicast destination: 10 still reports (RFC 4443 §2.4(e.3) exception), 11 does not; 01 never does.</summary>
    [Theory]
    [InlineData(IpProtocol.HopByHop, 0x9E, false, 1)]
    [InlineData(IpProtocol.HopByHop, 0x9E, true, 1)]
    [InlineData(IpProtocol.HopByHop, 0xDE, false, 1)]
    [InlineData(IpProtocol.HopByHop, 0xDE, true, 0)]
    [InlineData(IpProtocol.HopByHop, 0x5E, false, 0)]
    [InlineData(IpProtocol.DestinationOptions, 0x9E, true, 1)]
    [InlineData(IpProtocol.DestinationOptions, 0xDE, false, 1)]
    [InlineData(IpProtocol.DestinationOptions, 0xDE, true, 0)]
    [InlineData(IpProtocol.DestinationOptions, 0x5E, false, 0)]
    [InlineData(IpProtocol.DestinationOptions, 0x1E, false, 0)] // 00: skipped, the datagram goes on (to a closed port: one unreachable below)
    public void Unknown_options_follow_their_action_bits_for_unicast_and_multicast(byte header, byte optionType, bool multicast, int parameterProblems)
    {
        using var host = new SingleHost();
        NetAddress destination = multicast ? NetAddress.Parse("ff02::1") : SingleHost.Host6;
        byte[] udp = SingleHost.Udp(SingleHost.Peer6, destination, 9);
        host.Deliver(SingleHost.Ipv6(SingleHost.Peer6, destination, header, SingleHost.Concat(SingleHost.OptionsHeader(IpProtocol.Udp, optionType), udp)));
        var sent = SingleHost.Icmp6Messages(host.TakeWritten());
        Assert.Equal(parameterProblems, sent.Count(m => m.Type == IcmpV6Type.ParameterProblem));
        foreach (var m in sent.Where(m => m.Type == IcmpV6Type.ParameterProblem))
        {
            Assert.Equal(IcmpV6Code.UnrecognizedOption, m.Code);
            Assert.Equal(42u, m.Pointer); // pointer: the option's type byte, after the fixed header and the option header's 2 bytes
        }
        if (optionType == 0x1E)
        {
            Assert.Single(sent, m => m.Type == IcmpV6Type.DestinationUnreachable && m.Code == IcmpV6Code.PortUnreachable);
        }
    }

    /// <summary>RFC 4443 §2.4(e.3): no port unreachable about a datagram sent to a multicast address.</summary>
    [Theory]
    [InlineData("fd00:9::2", 1)]
    [InlineData("ff02::1", 0)]
    public void No_port_unreachable_for_a_multicast_destination(string destination, int errors)
    {
        using var host = new SingleHost();
        NetAddress dst = NetAddress.Parse(destination);
        host.Deliver(SingleHost.Ipv6(SingleHost.Peer6, dst, IpProtocol.Udp, SingleHost.Udp(SingleHost.Peer6, dst, 9)));
        Assert.Equal(errors, SingleHost.Icmp6Messages(host.TakeWritten()).Count);
    }

    /// <summary>RFC 1122 §3.2.2: no ICMP error about a datagram to a broadcast or multicast address (protocol unreachable here).</summary>
    [Theory]
    [InlineData("10.9.0.2", 1)]
    [InlineData("10.9.0.255", 0)]
    [InlineData("255.255.255.255", 0)]
    [InlineData("224.0.0.1", 0)]
    public void No_icmp_error_about_a_broadcast_or_multicast_datagram(string destination, int errors)
    {
        using var host = new SingleHost();
        NetAddress dst = NetAddress.Parse(destination);
        host.Deliver(SingleHost.Ipv4(SingleHost.Peer4, dst, 253, new byte[8])); // 253: experimental, no handler
        var sent = SingleHost.Icmp4Messages(host.TakeWritten());
        Assert.Equal(errors, sent.Count);
        Assert.All(sent, m => Assert.Equal((IcmpV4Type.DestinationUnreachable, IcmpV4Code.ProtocolUnreachable), (m.Type, m.Code)));
    }

    /// <summary>RFC 4443 §2.4(e) / RFC 1122 §3.2.2: a non-initial fragment draws no error (here: an option of action 10 in its unfragmentable part).</summary>
    [Theory]
    [InlineData(0, 1)]
    [InlineData(1024, 0)]
    public void No_icmpv6_error_about_a_non_initial_fragment(int fragmentOffset, int errors)
    {
        using var host = new SingleHost();
        byte[] payload = SingleHost.Concat(
            SingleHost.OptionsHeader(IpProtocol.Fragment, 0x9E),
            SingleHost.FragmentHeader(IpProtocol.Udp, fragmentOffset, more: true, id: 77),
            new byte[64]);
        host.Deliver(SingleHost.Ipv6(SingleHost.Peer6, SingleHost.Host6, IpProtocol.HopByHop, payload));
        Assert.Equal(errors, SingleHost.Icmp6Messages(host.TakeWritten()).Count);
        Assert.Equal(0, host.Stack.Ipv6.Reassembler.Count); // discarded: nothing was queued
    }

    /// <summary>
    /// RFC 792 / RFC 1122 §3.2.2: reassembly of a fragmented ICMP error that times out draws no time exceeded (it would be
    /// an error about an error), though the first fragment arrived; a fragmented echo request does draw one.
    /// </summary>
    [Theory]
    [InlineData(IcmpV4Type.EchoRequest, 1)]
    [InlineData(IcmpV4Type.DestinationUnreachable, 0)]
    public void No_time_exceeded_about_a_fragmented_icmp_error(byte carriedType, int errors)
    {
        using var host = new SingleHost();
        byte[] icmp = SingleHost.Icmp4(carriedType, 0, new byte[64]);
        host.Deliver(SingleHost.Ipv4(SingleHost.Peer4, SingleHost.Host4, IpProtocol.Icmp, icmp.AsSpan(0, 32), id: 5, moreFragments: true));
        host.Clock.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(1, host.Statistics.Ip.ReasmTimeout);
        Assert.Equal(errors, SingleHost.Icmp4Messages(host.TakeWritten()).Count);
    }

    /// <summary>
    /// RFC 792 / RFC 8200 §4.5: a reassembly timeout with the first fragment received sends time exceeded code 1 (fragment
    /// reassembly time exceeded) quoting that first fragment; under the error rate limit like every other error.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Reassembly_timeout_sends_code_1_quoting_the_first_fragment_under_the_rate_limit(bool v6)
    {
        using var host = new SingleHost(icmpRateLimitPerSecond: 1, icmpRateLimitBurst: 2);
        for (ushort id = 1; id <= 5; id++)
        {
            byte[] udp = SingleHost.Udp(v6 ? SingleHost.Peer6 : SingleHost.Peer4, v6 ? SingleHost.Host6 : SingleHost.Host4, 9, 100);
            host.Deliver(v6
                ? SingleHost.Ipv6(SingleHost.Peer6, SingleHost.Host6, IpProtocol.Fragment, SingleHost.Concat(SingleHost.FragmentHeader(IpProtocol.Udp, 0, more: true, id: id), udp[..64]))
                : SingleHost.Ipv4(SingleHost.Peer4, SingleHost.Host4, IpProtocol.Udp, udp.AsSpan(0, 64), id: id, moreFragments: true));
        }
        host.Clock.Advance(TimeSpan.FromSeconds(v6 ? 60 : 30));
        List<byte[]> written = host.TakeWritten();
        if (v6)
        {
            var sent = SingleHost.Icmp6Messages(written);
            Assert.Equal(2, sent.Count); // the burst; the other three are rate-limited
            Assert.All(sent, m => Assert.Equal((IcmpV6Type.TimeExceeded, IcmpV6Code.FragmentReassemblyTimeExceeded), (m.Type, m.Code)));
            Assert.Equal(3, host.Statistics.Icmp6.OutRateLimited);
            byte[] quoted = sent[0].Message[IcmpV6Header.HeaderLength..];
            Assert.Equal(SingleHost.Peer6, NetAddress.ReadV6(quoted.AsSpan(Ipv6Header.SourceOffset)));
            Assert.Equal((ushort)4000, BinaryPrimitives.ReadUInt16BigEndian(quoted.AsSpan(Ipv6Header.Length))); // the first fragment's UDP source port
        }
        else
        {
            var sent = SingleHost.Icmp4Messages(written);
            Assert.Equal(2, sent.Count);
            Assert.All(sent, m => Assert.Equal((IcmpV4Type.TimeExceeded, IcmpV4Code.FragmentReassemblyTimeExceeded), (m.Type, m.Code)));
            Assert.Equal(3, host.Statistics.Icmp.OutRateLimited);
            byte[] quoted = sent[0].Message[IcmpV4Header.HeaderLength..];
            Assert.InRange(BinaryPrimitives.ReadUInt16BigEndian(quoted.AsSpan(4)), 1, 5); // a first fragment's identification
            Assert.Equal(0x2000, BinaryPrimitives.ReadUInt16BigEndian(quoted.AsSpan(6))); // offset 0, more fragments: the first one
            Assert.Equal((ushort)4000, BinaryPrimitives.ReadUInt16BigEndian(quoted.AsSpan(Ipv4Header.MinLength)));
        }
    }
}
