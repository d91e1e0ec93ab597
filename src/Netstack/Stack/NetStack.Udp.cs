using System.Net.Sockets;
using Netstack.Sockets;

namespace Netstack.Stack;

public sealed partial class NetStack
{
    /// <summary>Creates an unbound UDP socket for <paramref name="family"/>.</summary>
    public UdpSocket CreateUdpSocket(AddressFamily family) => new(this, family);
}
