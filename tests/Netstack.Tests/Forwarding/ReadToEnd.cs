using System.Net.Sockets;

namespace Netstack.Tests.Forwarding;

/// <summary>Reads a host socket or a stack stream to its end, for the forwarder tests' byte-for-byte checks.</summary>
internal static class ReadToEnd
{
    public static async Task<byte[]> FromAsync(Socket socket, CancellationToken cancellationToken)
    {
        var all = new MemoryStream();
        byte[] buffer = new byte[65536];
        int n;
        while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken)) > 0)
        {
            all.Write(buffer, 0, n);
        }
        return all.ToArray();
    }

    public static async Task<byte[]> FromAsync(Stream stream, CancellationToken cancellationToken)
    {
        var all = new MemoryStream();
        await stream.CopyToAsync(all, cancellationToken);
        return all.ToArray();
    }
}
