namespace Netstack.Cli.Bench.Iperf3;

/// <summary>
/// What one iperf3 test measured, from our stack's side: the bytes each stream sent and received (ours and the
/// peer's counts), the sender's retransmissions and the test's length.
/// </summary>
public sealed record Iperf3TestOutcome
{
    /// <summary>True when our stack sent the data (server with -R, or client without --reverse).</summary>
    public required bool WeSent { get; init; }

    public required int Streams { get; init; }

    public required double Seconds { get; init; }

    /// <summary>Bytes the sending side reports having written.</summary>
    public required long SenderBytes { get; init; }

    /// <summary>Bytes the receiving side reports having read.</summary>
    public required long ReceiverBytes { get; init; }

    public required long Retransmits { get; init; }

    public required IReadOnlyList<Iperf3StreamResult> SenderStreams { get; init; }

    public required IReadOnlyList<Iperf3StreamResult> ReceiverStreams { get; init; }

    /// <summary>Seconds the peer measured for its side (the receiver's clock when it received).</summary>
    public required double PeerSeconds { get; init; }
}
