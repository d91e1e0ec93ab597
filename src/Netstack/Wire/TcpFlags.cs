namespace Netstack.Wire;

/// <summary>The TCP control bits in byte 13 of the header (RFC 9293 §3.1; ECE/CWR from RFC 3168 §6.1).</summary>
[Flags]
public enum TcpFlags : byte
{
    /// <summary>No control bit set.</summary>
    None = 0,
    /// <summary>No more data from the sender; occupies one sequence number.</summary>
    Fin = 1,
    /// <summary>Synchronize sequence numbers; occupies one sequence number.</summary>
    Syn = 2,
    /// <summary>Reset the connection.</summary>
    Rst = 4,
    /// <summary>Push function: deliver the data to the application promptly.</summary>
    Psh = 8,
    /// <summary>The acknowledgment number field is significant.</summary>
    Ack = 16,
    /// <summary>The urgent pointer field is significant.</summary>
    Urg = 32,
    /// <summary>ECN-Echo: congestion experienced was seen (or, on a SYN, ECN is supported).</summary>
    Ece = 64,
    /// <summary>Congestion Window Reduced: the sender reacted to an ECN-Echo.</summary>
    Cwr = 128,
}
