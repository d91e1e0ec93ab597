using System.Buffers.Binary;

namespace Netstack.NameResolution;

/// <summary>Builds a standard query (RFC 1035 §4.1): one question of class IN, recursion desired, no EDNS.</summary>
internal static class DnsQuery
{
    /// <summary>The fixed header's length (RFC 1035 §4.1.1).</summary>
    public const int HeaderLength = 12;

    /// <summary>The largest query: the header, a 255-octet name, type and class.</summary>
    public const int MaxLength = HeaderLength + DnsName.MaxWireLength + 4;

    /// <summary>The RD flag (RFC 1035 §4.1.1): the server should recurse.</summary>
    private const ushort RecursionDesired = 0x0100;

    /// <summary>Class IN.</summary>
    public const ushort ClassInternet = 1;

    /// <summary>Writes a query for <paramref name="name"/> and <paramref name="type"/> with <paramref name="id"/>; returns its length.</summary>
    /// <exception cref="ArgumentException">The name is not valid (<see cref="DnsName.IsValid"/>).</exception>
    public static int Write(Span<byte> destination, ushort id, string name, DnsRecordType type)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, MaxLength, nameof(destination));
        BinaryPrimitives.WriteUInt16BigEndian(destination, id);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], RecursionDesired);
        BinaryPrimitives.WriteUInt16BigEndian(destination[4..], 1); // QDCOUNT
        destination[6..HeaderLength].Clear(); // ANCOUNT, NSCOUNT, ARCOUNT
        int at = HeaderLength + DnsName.Write(name, destination[HeaderLength..]);
        BinaryPrimitives.WriteUInt16BigEndian(destination[at..], (ushort)type);
        BinaryPrimitives.WriteUInt16BigEndian(destination[(at + 2)..], ClassInternet);
        return at + 4;
    }
}
