using System.Text;
using Netstack.Interop;

namespace Netstack.Cli.Run;

/// <summary>
/// The messages on the socket pair between the forwarder and its namespace helper. Helper to forwarder, once:
/// <c>K</c> + the device name with the TUN queue descriptors attached (SCM_RIGHTS), or <c>E</c> + a one-line
/// error. Forwarder to helper (<c>run</c> only): <see cref="Go"/> when the forwarder serves, so the command never
/// starts before its network works.
/// </summary>
public static class HelperProtocol
{
    /// <summary>The byte that lets the helper execute the command.</summary>
    public const byte Go = (byte)'G';

    /// <summary>Sends the device's descriptors and name.</summary>
    public static void SendDevice(int socket, string name, ReadOnlySpan<int> descriptors) =>
        FdPassing.Send(socket, Encoding.UTF8.GetBytes("K" + name), descriptors);

    /// <summary>Sends a failure.</summary>
    public static void SendError(int socket, string message) =>
        FdPassing.Send(socket, Encoding.UTF8.GetBytes("E" + NetstackCli.OneLine(message)), []);

    /// <summary>
    /// Receives the helper's message: the device name and descriptors, or throws <see cref="CommandFailedException"/>
    /// with its error (null when the helper ended without a word: it could not start, and said so itself).
    /// </summary>
    public static (string Name, int[] Descriptors)? ReceiveDevice(int socket)
    {
        byte[] buffer = new byte[4096];
        var descriptors = new List<int>();
        int n = FdPassing.Receive(socket, buffer, descriptors);
        if (n == 0)
        {
            return null;
        }
        string text = Encoding.UTF8.GetString(buffer, 1, n - 1);
        if (buffer[0] == (byte)'K' && descriptors.Count > 0)
        {
            return (text, [.. descriptors]);
        }
        foreach (int fd in descriptors)
        {
            TunDevice.Close(fd);
        }
        throw new CommandFailedException(buffer[0] == (byte)'E' ? text : "the namespace helper sent a malformed message");
    }
}
