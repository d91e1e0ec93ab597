using Netstack.Tests.Infrastructure;
using Netstack.Wire;

namespace Netstack.Tests.Wire;

/// <summary>The hot path must not allocate: parsing, option parsing, checksums and writing, measured per thread.</summary>
public class WireAllocationTests
{
    [Fact]
    public void ParsingAndWritingAllocateNothing()
    {
        byte[] tcp4 = CapturedFrames.Bytes(CapturedFrames.TcpV4Syn);
        byte[] udp6 = CapturedFrames.Bytes(CapturedFrames.UdpV6);
        byte[] sack = new byte[60];
        byte[] options = new byte[40];
        var info = new TcpOptionsInfo { Timestamp = new TcpTimestamp(1, 2), SackBlocks = new SackBlockList([new(1, 2), new(3, 4)]) };
        Run(tcp4, udp6, sack, options, info); // warm up (JIT, statics)
        long allocated = SteadyStateAllocation.Measure(() =>
        {
            for (int i = 0; i < 1000; i++)
            {
                Run(tcp4, udp6, sack, options, info);
            }
        });
        Assert.Equal(0, allocated);
    }

    private static void Run(byte[] tcp4, byte[] udp6, byte[] sack, byte[] options, in TcpOptionsInfo info)
    {
        Check(EthernetHeader.TryParse(tcp4, out EthernetHeader eth));
        Check(Ipv4Header.TryParse(eth.Payload, out Ipv4Header ip));
        Check(ip.IsChecksumValid);
        Check(TcpHeader.TryParse(ip.Payload, out TcpHeader tcp));
        Check(tcp.IsChecksumValid(ip.Source, ip.Destination));
        Check(tcp.TryGetOptions(out _));
        Check(EthernetHeader.TryParse(udp6, out EthernetHeader eth6));
        Check(Ipv6ExtensionHeaders.TryParse(eth6.Payload, out Ipv6ExtensionHeaders chain));
        Check(Ipv6Header.TryParse(eth6.Payload, out Ipv6Header ip6));
        Check(UdpHeader.TryParse(ip6.Packet[chain.UpperLayerOffset..], out UdpHeader udp));
        Check(udp.IsChecksumValid(ip6.Source, ip6.Destination));
        int length = TcpHeader.Write(sack, 1, 2, 3, 4, TcpFlags.Ack, 5, info);
        Check(TcpOptionsInfo.TryParse(sack.AsSpan(20, length - 20), out TcpOptionsInfo again));
        Check(info == again);
        Check(TcpOptions.GetLength(info) == TcpOptions.Write(options, info));
    }

    // xunit's asserts allocate (boxing, messages), so the measured loop checks with a plain branch.
    private static void Check(bool condition)
    {
        if (!condition)
        {
            throw new InvalidOperationException("check failed");
        }
    }
}
