using System.Net.Sockets;
using Netstack.Buffers;
using Netstack.Stack;
using Netstack.Wire;

namespace Netstack.Network;

/// <summary>IPv4 input and output for one stack (placeholder until the header views land).</summary>
internal sealed class Ipv4Layer(NetStack stack) : IDisposable
{
    public void Receive(NetInterface nic, PacketBuffer packet)
    {
        _ = nic;
        Interlocked.Increment(ref stack.Statistics.Ip.InReceives);
        packet.Release();
    }

    public SocketError Send(PacketBuffer packet, NetAddress source, NetAddress destination, byte protocol, in RouteInfo route)
    {
        _ = (source, destination, protocol, route);
        packet.Release();
        return SocketError.Success;
    }

    public void Dispose()
    {
    }
}
