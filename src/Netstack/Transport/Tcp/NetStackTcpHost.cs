using Netstack.Buffers;
using Netstack.Stack;
using Netstack.Wire;

namespace Netstack.Transport.Tcp;

/// <summary>The <see cref="ITcpHost"/> of a real <see cref="NetStack"/>: its pool, timer wheel, routes, ports and IP output.</summary>
internal sealed class NetStackTcpHost(NetStack stack) : ITcpHost
{
    public PacketPool Pool => stack.Pool;

    public TimeProvider TimeProvider => stack.TimeProvider;

    public TimeSpan Now => stack.Timers.Now;

    public void Send(PacketBuffer packet, NetAddress source, NetAddress destination, in RouteInfo route) =>
        stack.SendTransport(packet, source, destination, TcpProtocol.ProtocolNumber, route);

    public void Send(PacketBuffer packet, NetAddress source, NetAddress destination, in RouteInfo route, object? transmitQueue)
    {
        if (transmitQueue is TransmitQueue queue)
        {
            stack.SendThrough(queue, packet, source, destination, TcpProtocol.ProtocolNumber, route);
        }
        else
        {
            Send(packet, source, destination, route);
        }
    }

    public object? CreateTransmitQueue() => stack.CreateTransmitQueue();

    public void FlushTransmitQueue(object transmitQueue) => stack.FlushTransmitQueue((TransmitQueue)transmitQueue);

    public bool TryFindRoute(NetAddress destination, out RouteInfo route) => stack.TryFindRoute(destination, out route);

    public object CreateTimer(Action<object?> callback, object? state) => new TimerEntry(callback, state);

    public void ScheduleTimer(object timer, TimeSpan delay) => stack.Timers.Schedule((TimerEntry)timer, delay);

    public void CancelTimer(object timer) => stack.Timers.Cancel((TimerEntry)timer);

    public bool TryReservePort(NetAddress local, ushort port) => stack.Ports.TryReserve(TcpProtocol.ProtocolNumber, local, port);

    public ushort ReserveEphemeralPort(NetAddress local, NetAddress remote, ushort remotePort) =>
        stack.Ports.ReserveEphemeral(TcpProtocol.ProtocolNumber, local, remote, remotePort);

    public void ReleasePort(NetAddress local, ushort port) => stack.Ports.Release(TcpProtocol.ProtocolNumber, local, port);
}
