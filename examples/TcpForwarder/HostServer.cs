using System.Net.Sockets;
using System.Text;

namespace Netstack.Examples.TcpForwarder;

/// <summary>The stand-in for a real service on the host: reads one request to its end and answers it.</summary>
internal static class HostServer
{
    public static async Task AnswerOneAsync(Socket listener, TextWriter output, CancellationToken cancellationToken)
    {
        using Socket socket = await listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
        output.WriteLine($"host: accepted {socket.RemoteEndPoint}");
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        using var request = new MemoryStream();
        await stream.CopyToAsync(request, cancellationToken).ConfigureAwait(false);
        byte[] answer = Encoding.ASCII.GetBytes($"the host read '{Encoding.ASCII.GetString(request.ToArray())}'");
        await stream.WriteAsync(answer, cancellationToken).ConfigureAwait(false);
        socket.Shutdown(SocketShutdown.Send);
    }
}
