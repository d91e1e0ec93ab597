namespace Netstack.Cli.Bench;

/// <summary>The parsed options of <c>netstack bench --connections N</c>.</summary>
public sealed record ConnectionsBenchOptions
{
    /// <summary>How many connections to open and hold.</summary>
    public required int Connections { get; init; }

    /// <summary>Whether the connections stay unused (no data ever); otherwise each carries one request and reply first.</summary>
    public bool Idle { get; init; }

    /// <summary>Seeds both stacks' secrets, so runs pick the same ports.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Print the result as one JSON object.</summary>
    public bool Json { get; init; }
}
