using BenchmarkDotNet.Attributes;
using Netstack.Wire;

namespace Netstack.Benchmarks;

/// <summary>Parsing and writing an IPv4 + TCP header with timestamps and SACK options (what every segment pays).</summary>
[MemoryDiagnoser]
public class HeaderBenchmarks
{
    private static readonly NetAddress Source = NetAddress.Parse("10.9.0.1");
    private static readonly NetAddress Destination = NetAddress.Parse("10.9.0.2");
    private readonly byte[] _packet = new byte[20 + 60 + 100];
    private TcpOptionsInfo _options;

    [GlobalSetup]
    public void Setup()
    {
        var sack = new SackBlockList();
        sack.Add(new SackBlock(1000, 2000));
        sack.Add(new SackBlock(3000, 4000));
        _options = new TcpOptionsInfo { Timestamp = new TcpTimestamp(12345, 67890), SackBlocks = sack };
        Emit();
    }

    [Benchmark]
    public int Parse()
    {
        if (!Ipv4Header.TryParse(_packet, out Ipv4Header ip) || !ip.IsChecksumValid || !TcpHeader.TryParse(ip.Payload, out TcpHeader tcp)
            || !tcp.TryGetOptions(out TcpOptionsInfo options))
        {
            return -1;
        }
        return (int)tcp.SequenceNumber + tcp.WindowSize + (int)(options.Timestamp?.Value ?? 0) + options.SackBlocks.Count;
    }

    [Benchmark]
    public int Emit()
    {
        int tcpLength = TcpHeader.Write(_packet.AsSpan(20), 40000, 80, 1_000_000, 2_000_000, TcpFlags.Ack, 512, _options);
        return Ipv4Header.Write(_packet, Source, Destination, IpProtocol.Tcp, 20 + tcpLength + 100, 7, 64) + tcpLength;
    }
}
