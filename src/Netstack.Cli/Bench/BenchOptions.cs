namespace Netstack.Cli.Bench;

/// <summary>The parsed options of <c>netstack bench</c> (in-process mode).</summary>
public sealed record BenchOptions
{
    /// <summary>How long to send when <see cref="Bytes"/> is not given.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long the measured connections run before counting starts (iperf3 -O); not with <see cref="Bytes"/>.</summary>
    public TimeSpan Omit { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Total bytes to transfer, split evenly across the streams; null to send for <see cref="Duration"/>.</summary>
    public long? Bytes { get; init; }

    public int Streams { get; init; } = 1;

    public int Mtu { get; init; } = 1500;

    /// <summary>Whether the in-memory link takes 64 KiB super-segments (GSO/GRO) instead of MTU-sized packets.</summary>
    public bool Gso { get; init; } = true;

    /// <summary>Whether both stacks coalesce received segments before TCP (software GRO, <see cref="Netstack.Stack.NetStackOptions.Gro"/>).</summary>
    public bool Gro { get; init; } = true;

    public double Loss { get; init; }

    public double Reorder { get; init; }

    public double Duplicate { get; init; }

    public double Corrupt { get; init; }

    /// <summary>One-way delay added in each direction.</summary>
    public TimeSpan Delay { get; init; }

    public int Seed { get; init; } = 1;

    /// <summary>Compare every received byte with what was sent; a mismatch fails the run.</summary>
    public bool Verify { get; init; }

    public bool Json { get; init; }

    /// <summary>The TCP congestion control of both stacks (a <see cref="Netstack.Transport.Tcp.CongestionControlFactory"/> name).</summary>
    public string CongestionControl { get; init; } = "cubic";

    public bool IsImpaired => Loss > 0 || Reorder > 0 || Duplicate > 0 || Corrupt > 0 || Delay > TimeSpan.Zero;
}
