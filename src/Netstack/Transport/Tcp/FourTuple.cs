using System.Buffers.Binary;
using Netstack.Stack;
using Netstack.Wire;

namespace Netstack.Transport.Tcp;

/// <summary>
/// A TCP connection's identity, the 4-tuple of RFC 9293 §3.3.1 ("a pair of sockets uniquely identifies
/// each connection") seen from the local end: the demultiplexing key of the endpoint table, and the input
/// of RFC 6528 ISNs and SYN cookies. <see cref="GetKeyedHash"/> is the SipHash of the tuple under a
/// per-stack secret, so that remote peers cannot aim many connections at one hash bucket.
/// </summary>
public readonly record struct FourTuple(NetAddress LocalAddress, ushort LocalPort, NetAddress RemoteAddress, ushort RemotePort)
{
    /// <summary>The number of bytes <see cref="WriteTo"/> produces.</summary>
    internal const int EncodedLength = 37;

    /// <summary>The same connection seen from the other end.</summary>
    public FourTuple Reverse() => new(RemoteAddress, RemotePort, LocalAddress, LocalPort);

    /// <summary>SipHash-2-4 of the tuple under <paramref name="key"/>.</summary>
    internal ulong GetKeyedHash(in SipHashKey key)
    {
        Span<byte> bytes = stackalloc byte[EncodedLength];
        WriteTo(bytes);
        return SipHash.Hash(key, bytes);
    }

    /// <summary>A fixed, unambiguous byte form of the tuple (addresses as 128-bit values, ports, families).</summary>
    internal void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt128LittleEndian(destination, LocalAddress.Bits);
        BinaryPrimitives.WriteUInt128LittleEndian(destination[16..], RemoteAddress.Bits);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[32..], LocalPort);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[34..], RemotePort);
        destination[36] = (byte)((LocalAddress.IsV6 ? 1 : 0) | (RemoteAddress.IsV6 ? 2 : 0));
    }
}
