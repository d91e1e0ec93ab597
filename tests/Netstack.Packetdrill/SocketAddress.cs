using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Netstack.Packetdrill;

/// <summary>Linux <c>sockaddr_in</c> / <c>sockaddr_in6</c> to and from <see cref="IPEndPoint"/>.</summary>
internal static unsafe class SocketAddress
{
    public const int AF_INET = 2, AF_INET6 = 10;

    /// <summary>Reads a socket address; null when the family or length is wrong.</summary>
    public static IPEndPoint? Read(byte* address, int length)
    {
        if (address == null || length < 2)
        {
            return null;
        }
        var bytes = new ReadOnlySpan<byte>(address, length);
        ushort family = BinaryPrimitives.ReadUInt16LittleEndian(bytes);
        if (family == AF_INET && length >= 16)
        {
            return new IPEndPoint(new IPAddress(bytes.Slice(4, 4)), BinaryPrimitives.ReadUInt16BigEndian(bytes[2..]));
        }
        if (family == AF_INET6 && length >= 28)
        {
            var ip = new IPAddress(bytes.Slice(8, 16), BinaryPrimitives.ReadUInt32LittleEndian(bytes[24..]));
            if (ip.IsIPv4MappedToIPv6)
            {
                ip = ip.MapToIPv4();
            }
            return new IPEndPoint(ip, BinaryPrimitives.ReadUInt16BigEndian(bytes[2..]));
        }
        return null;
    }

    /// <summary>Writes <paramref name="endPoint"/> in <paramref name="family"/>'s layout, as far as <paramref name="length"/> allows, and sets the length it needs.</summary>
    public static void Write(IPEndPoint endPoint, int family, byte* address, uint* length)
    {
        if (address == null || length == null)
        {
            return;
        }
        Span<byte> full = stackalloc byte[28];
        full.Clear();
        int size;
        if (family == AF_INET6)
        {
            IPAddress ip = endPoint.Address.AddressFamily == AddressFamily.InterNetwork ? endPoint.Address.MapToIPv6() : endPoint.Address;
            BinaryPrimitives.WriteUInt16LittleEndian(full, AF_INET6);
            BinaryPrimitives.WriteUInt16BigEndian(full[2..], (ushort)endPoint.Port);
            ip.TryWriteBytes(full.Slice(8, 16), out _);
            size = 28;
        }
        else
        {
            BinaryPrimitives.WriteUInt16LittleEndian(full, AF_INET);
            BinaryPrimitives.WriteUInt16BigEndian(full[2..], (ushort)endPoint.Port);
            endPoint.Address.MapToIPv4().TryWriteBytes(full.Slice(4, 4), out _);
            size = 16;
        }
        int room = (int)Math.Min(*length, (uint)size);
        full[..room].CopyTo(new Span<byte>(address, room));
        *length = (uint)size;
    }
}
