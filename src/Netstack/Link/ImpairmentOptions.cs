namespace Netstack.Link;

/// <summary>
/// What an <see cref="ImpairedLink"/> does to the packets passing through it, in the spirit of Linux's netem.
/// Probabilities are per packet, from 0 (never) to 1 (always), drawn from <c>System.Random(Seed)</c> so that a
/// seed reproduces a run exactly.
/// </summary>
public sealed class ImpairmentOptions
{
    /// <summary>Probability that a packet is dropped.</summary>
    public double Loss { get; init; }

    /// <summary>Probability that a packet is sent twice (the second is a copy that can be released independently).</summary>
    public double Duplicate { get; init; }

    /// <summary>Probability that a packet is held back and sent right after the next one in the same direction.</summary>
    public double Reorder { get; init; }

    /// <summary>Probability that one random bit of a packet (past the link header) is flipped.</summary>
    public double Corrupt { get; init; }

    /// <summary>Time every packet spends in the link, measured on the injected <see cref="TimeProvider"/>.</summary>
    public TimeSpan Delay { get; init; }

    /// <summary>Uniform random variation added to <see cref="Delay"/>, from -Jitter to +Jitter (never below zero in total); it can reorder packets, as on a real path.</summary>
    public TimeSpan Jitter { get; init; }

    /// <summary>
    /// Like netem's <c>ecn</c>: a packet <see cref="Loss"/> picks that is ECN-capable (ECT(0) or ECT(1) in its IPv4 or
    /// IPv6 header) is marked CE and sent on instead of being dropped, as an active queue manager does (RFC 3168 §5);
    /// Not-ECT packets, and those already CE, are still dropped (netem's <c>INET_ECN_set_ce</c> fails for them).
    /// </summary>
    public bool Ecn { get; init; }

    /// <summary>Seed of the random generator; null for a different run each time.</summary>
    public int? Seed { get; init; }

    /// <summary>Which way the impairments apply.</summary>
    public ImpairmentDirection Direction { get; init; } = ImpairmentDirection.Both;

    internal void Validate()
    {
        CheckProbability(Loss, nameof(Loss));
        CheckProbability(Duplicate, nameof(Duplicate));
        CheckProbability(Reorder, nameof(Reorder));
        CheckProbability(Corrupt, nameof(Corrupt));
        ArgumentOutOfRangeException.ThrowIfLessThan(Delay, TimeSpan.Zero, nameof(Delay));
        ArgumentOutOfRangeException.ThrowIfLessThan(Jitter, TimeSpan.Zero, nameof(Jitter));
    }

    private static void CheckProbability(double p, string name)
    {
        if (!(p >= 0 && p <= 1))
        {
            throw new ArgumentOutOfRangeException(name, p, "A probability must be between 0 and 1.");
        }
    }
}

/// <summary>The directions an <see cref="ImpairedLink"/> impairs.</summary>
[Flags]
public enum ImpairmentDirection
{
    /// <summary>Packets the stack writes to the link.</summary>
    Outbound = 1,

    /// <summary>Packets the link delivers to the stack.</summary>
    Inbound = 2,

    /// <summary>Both directions.</summary>
    Both = Outbound | Inbound,
}
