namespace Netstack.Wire;

/// <summary>
/// The two ECN bits of the IPv4 type of service or the IPv6 traffic class (RFC 3168 §5): whether the sender's
/// transport is ECN-capable, and whether a router marked congestion instead of dropping.
/// </summary>
public enum EcnCodepoint : byte
{
    /// <summary>Not-ECT (00): the transport does not take part in ECN.</summary>
    NotEct = 0,

    /// <summary>ECT(1) (01): ECN-capable transport (the codepoint L4S uses, RFC 9331).</summary>
    Ect1 = 1,

    /// <summary>ECT(0) (10): ECN-capable transport, the codepoint a classic RFC 3168 sender sets.</summary>
    Ect0 = 2,

    /// <summary>CE (11): congestion experienced, set by a router on an ECT packet it would otherwise have dropped.</summary>
    Ce = 3,
}
