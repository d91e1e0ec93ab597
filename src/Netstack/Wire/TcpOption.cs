namespace Netstack.Wire;

/// <summary>One option yielded by <see cref="TcpOptions"/>: its kind and the bytes after the kind and length octets.</summary>
public readonly ref struct TcpOption
{
    public TcpOption(byte kind, ReadOnlySpan<byte> data)
    {
        Kind = kind;
        Data = data;
    }

    public byte Kind { get; }

    public ReadOnlySpan<byte> Data { get; }
}
