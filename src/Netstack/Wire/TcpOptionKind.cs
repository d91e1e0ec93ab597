namespace Netstack.Wire;

/// <summary>TCP option kinds (IANA "TCP Option Kind Numbers").</summary>
public static class TcpOptionKind
{
    /// <summary>End of Option List (RFC 9293 §3.2): the rest of the options area is padding.</summary>
    public const byte EndOfOptionList = 0;
    /// <summary>No-Operation, one byte, used to align later options (RFC 9293 §3.2).</summary>
    public const byte NoOperation = 1;

    /// <summary>Maximum Segment Size, length 4 (RFC 9293 §3.7.1).</summary>
    public const byte MaximumSegmentSize = 2;

    /// <summary>Window Scale, length 3 (RFC 7323 §2.2).</summary>
    public const byte WindowScale = 3;

    /// <summary>SACK-Permitted, length 2 (RFC 2018 §2).</summary>
    public const byte SackPermitted = 4;

    /// <summary>SACK, length 2 + 8n (RFC 2018 §3).</summary>
    public const byte Sack = 5;

    /// <summary>Timestamps, length 10 (RFC 7323 §3.2).</summary>
    public const byte Timestamp = 8;
}
