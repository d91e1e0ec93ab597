namespace Netstack.Transport.Tcp;

/// <summary>What an ACK says about an outstanding tail loss probe (RFC 8985 §7.4).</summary>
internal enum TlpOutcome
{
    /// <summary>No probe outstanding, or the ACK does not settle it yet.</summary>
    None,

    /// <summary>The probe carried new data and was delivered: nothing was lost.</summary>
    Delivered,

    /// <summary>The probe's retransmission was a duplicate (D-SACKed): nothing was lost.</summary>
    Redundant,

    /// <summary>The probe repaired a lost segment: the endpoint must invoke congestion control's loss response.</summary>
    LossRepaired,
}
