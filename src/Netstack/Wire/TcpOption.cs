namespace Netstack.Wire;

/// <summary>One option yielded by <see cref="TcpOptions"/>: its kind and the bytes after the kind and length octets.</summary>
public readonly ref struct TcpOption
{
    /// <summary>Creates an option of the given kind with <paramref name="data"/> as its value bytes.</summary>
    public TcpOption(byte kind, ReadOnlySpan<byte> data)
    {
        Kind = kind;
        Data = data;
    }

    /// <summary>The option kind (see <see cref="TcpOptionKind"/>).</summary>
    public byte Kind { get; }

    /// <summary>The option's value: the bytes after the kind and length octets (empty for NOP and single-byte kinds).</summary>
    public ReadOnlySpan<byte> Data { get; }
}
