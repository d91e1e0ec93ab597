using System.Net;
using System.Net.Sockets;

namespace Netstack.Forwarding;

/// <summary>
/// Where host clients of a port forward are sent in the stack's network (the namespace's addresses), and as whom:
/// the client's real address, except that a loopback client appears as the gateway (the namespace cannot route
/// back to 127.0.0.1, which is its own loopback).
/// </summary>
public sealed record InboundTarget(IPAddress? AddressV4, IPAddress? AddressV6, IPAddress? GatewayV4, IPAddress? GatewayV6)
{
    /// <summary>The namespace address to connect to for <paramref name="client"/> and the source to connect from; false when the family has no address.</summary>
    public bool TryResolve(IPEndPoint client, int port, out IPEndPoint destination, out IPEndPoint source)
    {
        ArgumentNullException.ThrowIfNull(client);
        IPAddress address = client.Address.IsIPv4MappedToIPv6 ? client.Address.MapToIPv4() : client.Address;
        bool v4 = address.AddressFamily == AddressFamily.InterNetwork;
        IPAddress? target = v4 ? AddressV4 : AddressV6;
        IPAddress? gateway = v4 ? GatewayV4 : GatewayV6;
        if (target is null || gateway is null)
        {
            destination = source = null!;
            return false;
        }
        destination = new IPEndPoint(target, port);
        source = new IPEndPoint(IPAddress.IsLoopback(address) ? gateway : address, client.Port);
        return true;
    }
}
