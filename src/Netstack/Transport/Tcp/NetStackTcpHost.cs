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

    public void Send(PacketBuffer packet, NetAddress source, NetAddress destination, in RouteInfo route, in TransmitContext tx, EcnCodepoint ecn = EcnCodepoint.NotEct, byte typeOfService = 0, bool dontFragment = true) =>
        stack.SendTransport(packet, source, destination, TcpProtocol.ProtocolNumber, route, tx, ecn, typeOfService, dontFragment);

    public TransmitQueue CreateTransmitQueue() => stack.CreateTransmitQueue();

    public void FlushTransmitQueue(TransmitQueue queue, in TransmitContext tx) => NetStack.FlushTransmitQueue(queue, tx);

    public bool TryFindRoute(NetAddress destination, out RouteInfo route) => stack.TryFindRoute(destination, out route);

    public ITcpTimer CreateTimer(Action<object?> callback, object? state) => new WheelTimer(stack.Timers, new TimerEntry(callback, state));

    public bool TryReservePort(NetAddress local, ushort port) => stack.Ports.TryReserve(TcpProtocol.ProtocolNumber, local, port);

    public void ReleasePort(NetAddress local, ushort port) => stack.Ports.Release(TcpProtocol.ProtocolNumber, local, port);

    public ushort ReserveConnectionPort(TcpEndpoint endpoint, NetAddress local, NetAddress remote, ushort remotePort) =>
        stack.Ports.ReserveForConnection(TcpProtocol.ProtocolNumber, local, remote, remotePort, static (e, port) => e.TryClaimLocalPort(port), endpoint);

    public void ReleaseConnectionPort(NetAddress local, ushort port) => stack.Ports.ReleaseConnection(TcpProtocol.ProtocolNumber, local, port);

    private sealed class WheelTimer(TimerWheel wheel, TimerEntry entry) : ITcpTimer
    {
        public void Schedule(TimeSpan delay) => wheel.Schedule(entry, delay);

        public void Cancel() => wheel.Cancel(entry);
    }
}
