using System.Buffers.Binary;

namespace Netstack.Fuzz;

/// <summary>Reads a fuzz input front to back; past the end every read returns zero (so any input decodes).</summary>
internal ref struct ByteReader(ReadOnlySpan<byte> input)
{
    private ReadOnlySpan<byte> _rest = input;

    public readonly bool IsEmpty => _rest.IsEmpty;

    public byte Byte()
    {
        if (_rest.IsEmpty)
        {
            return 0;
        }
        byte b = _rest[0];
        _rest = _rest[1..];
        return b;
    }

    public ushort UInt16()
    {
        if (_rest.Length < 2)
        {
            _rest = default;
            return 0;
        }
        ushort v = BinaryPrimitives.ReadUInt16BigEndian(_rest);
        _rest = _rest[2..];
        return v;
    }

    /// <summary>Up to <paramref name="count"/> bytes (fewer at the end of the input).</summary>
    public ReadOnlySpan<byte> Bytes(int count)
    {
        ReadOnlySpan<byte> taken = _rest[..Math.Min(count, _rest.Length)];
        _rest = _rest[taken.Length..];
        return taken;
    }
}
