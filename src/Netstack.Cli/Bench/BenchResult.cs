using System.Globalization;
using System.Text;

namespace Netstack.Cli.Bench;

/// <summary>What one bench run measured, printed as a human summary or as JSON.</summary>
public sealed record BenchResult
{
    public required string Mode { get; init; }

    public required int Streams { get; init; }

    public required int Mtu { get; init; }

    public required bool Gso { get; init; }

    public required long Bytes { get; init; }

    public required double Seconds { get; init; }

    /// <summary>Seconds of the run left out before measuring (the steady state starts after them).</summary>
    public double OmittedSeconds { get; init; }

    public required double CpuSeconds { get; init; }

    /// <summary>TCP segments sent by both stacks (super-segments count once).</summary>
    public required long Segments { get; init; }

    /// <summary>Packets that crossed the link in both directions.</summary>
    public required long Packets { get; init; }

    public required long Retransmits { get; init; }

    public required long AllocatedBytes { get; init; }

    public required bool Verified { get; init; }

    public double Gbps => Seconds > 0 ? Bytes * 8 / Seconds / 1e9 : 0;

    public double AllocatedBytesPerSegment => Segments > 0 ? (double)AllocatedBytes / Segments : 0;

    public string ToText()
    {
        var s = new StringBuilder();
        s.AppendLine(CultureInfo.InvariantCulture, $"mode        {Mode}, {Streams} stream(s), MTU {Mtu}, GSO {(Gso ? "on" : "off")}");
        s.AppendLine(CultureInfo.InvariantCulture, $"transferred {Bytes / 1e6:F1} MB in {Seconds:F2} s = {Gbps:F2} Gbit/s{(OmittedSeconds > 0 ? $" (after the first {OmittedSeconds:0.##} s, omitted)" : "")}");
        s.AppendLine(CultureInfo.InvariantCulture, $"cpu         {CpuSeconds:F2} s ({CpuSeconds / Math.Max(Seconds, 1e-9) * 100:F0}% of one core)");
        s.AppendLine(CultureInfo.InvariantCulture, $"segments    {Segments} TCP segments, {Packets} link packets, {Retransmits} retransmitted");
        s.AppendLine(CultureInfo.InvariantCulture, $"allocated   {AllocatedBytes} bytes = {AllocatedBytesPerSegment:F2} bytes/segment");
        s.Append(Verified ? "verified    every byte matched" : "verified    no (use --verify)");
        return s.ToString();
    }

    public string ToJson() => string.Create(CultureInfo.InvariantCulture,
        $"{{\"mode\":\"{Mode}\",\"streams\":{Streams},\"mtu\":{Mtu},\"gso\":{(Gso ? "true" : "false")},\"bytes\":{Bytes},\"seconds\":{Seconds:F6},\"omitted_seconds\":{OmittedSeconds:F3},\"gbps\":{Gbps:F4},\"cpu_seconds\":{CpuSeconds:F4},\"segments\":{Segments},\"packets\":{Packets},\"retransmits\":{Retransmits},\"allocated_bytes\":{AllocatedBytes},\"allocated_bytes_per_segment\":{AllocatedBytesPerSegment:F4},\"verified\":{(Verified ? "true" : "false")}}}");
}
