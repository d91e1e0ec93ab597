using System.Net;
using System.Net.Sockets;

namespace Netstack.NameResolution;

/// <summary>
/// Turns a host name into addresses for connections through a stack — the part of <see cref="Dns"/> an application
/// replaces so that no name leaks to the host's resolver. <see cref="DnsResolver"/> asks DNS servers through the
/// stack itself; a test or an embedder may supply a fixed table or another transport.
/// </summary>
public interface INameResolver
{
    /// <summary>
    /// The addresses of <paramref name="host"/>, in the order to try them. <paramref name="family"/> is
    /// <see cref="AddressFamily.InterNetwork"/>, <see cref="AddressFamily.InterNetworkV6"/>, or
    /// <see cref="AddressFamily.Unspecified"/> for both (as <see cref="Dns.GetHostAddressesAsync(string, AddressFamily, CancellationToken)"/>).
    /// </summary>
    /// <exception cref="SocketException">
    /// <see cref="SocketError.HostNotFound"/> when the name does not exist or has no address of the family;
    /// <see cref="SocketError.TryAgain"/> when no server gave an answer.
    /// </exception>
    ValueTask<IPAddress[]> ResolveAsync(string host, AddressFamily family, CancellationToken cancellationToken = default);
}
