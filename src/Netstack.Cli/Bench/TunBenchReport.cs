using System.Globalization;
using System.Text;
using Netstack.Cli.Bench.Iperf3;

namespace Netstack.Cli.Bench;

/// <summary>
/// One iperf3 test over the TUN device as our side saw it: iperf3's summary lines (sender and receiver per stream,
/// [SUM] with several) and what the stack cost: CPU seconds, system calls per MB (each TUN read or write moves one
/// packet, so these are the link's packets; the polls between them are not counted) and bytes allocated per packet.
/// </summary>
public sealed record TunBenchReport
{
    public required string Mode { get; init; }

    public required Iperf3TestOutcome Outcome { get; init; }

    public required int Mtu { get; init; }

    public required int Queues { get; init; }

    public required bool Gso { get; init; }

    public required bool Gro { get; init; }

    /// <summary>Whether the device was opened with IFF_VNET_HDR (super-segments cross it whole).</summary>
    public required bool VirtioNetHeader { get; init; }

    public required double CpuSeconds { get; init; }

    public required long RxPackets { get; init; }

    public required long TxPackets { get; init; }

    /// <summary>System calls the TUN link made (polls, reads, writes) over the measured interval.</summary>
    public required long SystemCalls { get; init; }

    public required long AllocatedBytes { get; init; }

    public double Seconds => Outcome.Seconds;

    /// <summary>Goodput: what the receiver counted over our measured interval.</summary>
    public double Gbps => Seconds > 0 ? Outcome.ReceiverBytes * 8 / Seconds / 1e9 : 0;

    public long Packets => RxPackets + TxPackets;

    public double SystemCallsPerMegabyte => Outcome.ReceiverBytes > 0 ? SystemCalls / (Outcome.ReceiverBytes / 1e6) : 0;

    public double AllocatedBytesPerPacket => Packets > 0 ? (double)AllocatedBytes / Packets : 0;

    public string ToText()
    {
        var s = new StringBuilder();
        string direction = Outcome.WeSent ? "netstack sends" : "netstack receives";
        s.AppendLine(CultureInfo.InvariantCulture, $"mode        {Mode}, {direction}, {Outcome.Streams} stream(s), MTU {Mtu}, {Queues} queue(s), GSO {(Gso ? "on" : "off")}, GRO {(Gro ? "on" : "off")}, vnet_hdr {(VirtioNetHeader ? "on" : "off")}");
        s.AppendLine("[ ID] Interval           Transfer     Bitrate         Retr");
        for (int i = 0; i < Outcome.SenderStreams.Count; i++)
        {
            Iperf3StreamResult r = Outcome.SenderStreams[i];
            s.AppendLine(Line(r.Id.ToString(CultureInfo.InvariantCulture).PadLeft(3), r.Bytes, r.Retransmits.ToString(CultureInfo.InvariantCulture), "sender"));
            if (i < Outcome.ReceiverStreams.Count)
            {
                s.AppendLine(Line(Outcome.ReceiverStreams[i].Id.ToString(CultureInfo.InvariantCulture).PadLeft(3), Outcome.ReceiverStreams[i].Bytes, "", "receiver"));
            }
        }
        if (Outcome.Streams > 1)
        {
            s.AppendLine(Line("SUM", Outcome.SenderBytes, Outcome.Retransmits.ToString(CultureInfo.InvariantCulture), "sender"));
            s.AppendLine(Line("SUM", Outcome.ReceiverBytes, "", "receiver"));
        }
        s.AppendLine(CultureInfo.InvariantCulture, $"cpu         {CpuSeconds:F2} s ({CpuSeconds / Math.Max(Seconds, 1e-9) * 100:F0}% of one core)");
        s.AppendLine(CultureInfo.InvariantCulture, $"syscalls    {SystemCallsPerMegabyte:F1} per MB ({SystemCalls} TUN polls, reads and writes for {RxPackets} rx and {TxPackets} tx packets)");
        s.Append(CultureInfo.InvariantCulture, $"allocated   {AllocatedBytes} bytes = {AllocatedBytesPerPacket:F2} bytes/packet");
        return s.ToString();
    }

    private string Line(string id, long bytes, string retransmits, string role) => string.Create(CultureInfo.InvariantCulture,
        $"[{id}]   0.00-{Seconds,-5:F2} sec  {FormatBytes(bytes),-11}  {FormatBits(bytes * 8 / Math.Max(Seconds, 1e-9)),-15} {retransmits,4}  {role}");

    /// <summary>iperf3's unit style: 1024-based bytes, 1000-based bits, three significant digits.</summary>
    public static string FormatBytes(double bytes)
    {
        string[] units = ["Bytes", "KBytes", "MBytes", "GBytes", "TBytes"];
        int u = 0;
        while (bytes >= 1024 && u < units.Length - 1)
        {
            bytes /= 1024;
            u++;
        }
        return Significant(bytes) + " " + units[u];
    }

    public static string FormatBits(double bitsPerSecond)
    {
        string[] units = ["bits/sec", "Kbits/sec", "Mbits/sec", "Gbits/sec", "Tbits/sec"];
        int u = 0;
        while (bitsPerSecond >= 1000 && u < units.Length - 1)
        {
            bitsPerSecond /= 1000;
            u++;
        }
        return Significant(bitsPerSecond) + " " + units[u];
    }

    private static string Significant(double v) =>
        v.ToString(v < 10 ? "F2" : v < 100 ? "F1" : "F0", CultureInfo.InvariantCulture);

    public string ToJson() => string.Create(CultureInfo.InvariantCulture,
        $"{{\"mode\":\"{Mode}\",\"sender\":\"{(Outcome.WeSent ? "netstack" : "peer")}\",\"streams\":{Outcome.Streams},\"mtu\":{Mtu},\"queues\":{Queues},\"gso\":{B(Gso)},\"gro\":{B(Gro)},\"vnet_hdr\":{B(VirtioNetHeader)},\"seconds\":{Seconds:F6},\"sender_bytes\":{Outcome.SenderBytes},\"receiver_bytes\":{Outcome.ReceiverBytes},\"bytes\":{Outcome.ReceiverBytes},\"gbps\":{Gbps:F4},\"retransmits\":{Outcome.Retransmits},\"cpu_seconds\":{CpuSeconds:F4},\"rx_packets\":{RxPackets},\"tx_packets\":{TxPackets},\"syscalls\":{SystemCalls},\"syscalls_per_mb\":{SystemCallsPerMegabyte:F3},\"allocated_bytes\":{AllocatedBytes},\"allocated_bytes_per_packet\":{AllocatedBytesPerPacket:F4}}}");

    private static string B(bool b) => b ? "true" : "false";
}
