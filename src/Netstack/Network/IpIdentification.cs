using System.Buffers.Binary;
using Netstack.Stack;
using Netstack.Wire;

namespace Netstack.Network;

/// <summary>
/// IP identifications (the IPv4 Identification field and the IPv6 Fragment header's), in Linux's shape
/// (<c>ip_idents_reserve</c>): 2048 counters, each datagram taking the next value of the counter its (source,
/// destination, protocol) hashes to. RFC 7739 §5.1 and RFC 6864 want values that do not repeat quickly towards one
/// destination and that an off-path host cannot predict: the hash is SipHash under a key derived from the stack's
/// secret, and the counters start at values derived from it, so the counter behind a flow and its position stay
/// unknown to a host that sees other flows' identifications. Allocation-free.
/// </summary>
internal sealed class IpIdentification
{
    private const int Slots = 2048;

    private readonly uint[] _counters = new uint[Slots];
    private readonly SipHashKey _slotKey;

    public IpIdentification(StackSecret secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        _slotKey = secret.DeriveKey("ip identification slot"u8);
        SipHashKey startKey = secret.DeriveKey("ip identification start"u8);
        Span<byte> index = stackalloc byte[4];
        for (int i = 0; i < Slots; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(index, i);
            _counters[i] = (uint)SipHash.Hash(startKey, index);
        }
    }

    /// <summary>Takes <paramref name="count"/> consecutive identifications for the flow and returns the first (IPv4 uses its low 16 bits).</summary>
    public uint Next(NetAddress source, NetAddress destination, byte protocol, int count)
    {
        Span<byte> flow = stackalloc byte[33];
        BinaryPrimitives.WriteUInt128LittleEndian(flow, source.Bits);
        BinaryPrimitives.WriteUInt128LittleEndian(flow[16..], destination.Bits);
        flow[32] = protocol;
        int slot = (int)(SipHash.Hash(_slotKey, flow) & (Slots - 1));
        return Interlocked.Add(ref _counters[slot], (uint)count) - (uint)count;
    }
}
