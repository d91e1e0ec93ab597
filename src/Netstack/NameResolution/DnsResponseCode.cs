namespace Netstack.NameResolution;

/// <summary>The RCODE of a DNS response header (RFC 1035 §4.1.1).</summary>
internal enum DnsResponseCode : byte
{
    /// <summary>No error (an empty answer is "no data").</summary>
    NoError = 0,

    /// <summary>The server could not interpret the query.</summary>
    FormatError = 1,

    /// <summary>The server failed (typically a recursive lookup that failed upstream).</summary>
    ServerFailure = 2,

    /// <summary>The name does not exist (NXDOMAIN; authoritative).</summary>
    NameError = 3,

    /// <summary>The server does not implement the query.</summary>
    NotImplemented = 4,

    /// <summary>The server refuses to answer (policy).</summary>
    Refused = 5,
}
