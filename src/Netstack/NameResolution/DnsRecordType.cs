namespace Netstack.NameResolution;

/// <summary>The resource record types the stub resolver reads (RFC 1035 §3.2.2, RFC 3596 §2.1).</summary>
internal enum DnsRecordType : ushort
{
    /// <summary>An IPv4 address.</summary>
    A = 1,

    /// <summary>The canonical name of an alias.</summary>
    CName = 5,

    /// <summary>An IPv6 address.</summary>
    Aaaa = 28,
}
