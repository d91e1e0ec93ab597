using Netstack.Network;
using Netstack.Stack;
using Netstack.Transport.Udp;

namespace Netstack.Sockets;

/// <summary>
/// The UDP and ICMP halves of forwarder mode (TCP's is <see cref="TcpSocketExtensions.ForwardTcp"/>): traffic to
/// addresses and ports the stack does not serve itself is handed to the caller, which carries it elsewhere (user-mode
/// networking, a proxy). While a forwarder is open the stack accepts packets to every unicast address
/// (<see cref="NetStack.AcceptAnyDestination"/>).
/// </summary>
public static class ForwardingExtensions
{
    /// <summary>
    /// Every datagram that no socket wants opens a flow: a <see cref="UdpSocket"/> bound to the datagram's destination
    /// and connected to its source, handed to <paramref name="handler"/> on the thread pool with that first datagram
    /// queued. The handler owns the socket and disposes it when the flow ends (for example after an idle timeout).
    /// </summary>
    public static ForwarderRegistration ForwardUdp(this NetStack stack, Action<UdpSocket> handler, UdpForwarderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stack);
        ArgumentNullException.ThrowIfNull(handler);
        UdpProtocol udp = stack.Udp;
        var forwarder = new UdpForwarder(stack, handler, options ?? new UdpForwarderOptions());
        if (Interlocked.CompareExchange(ref udp.ForwarderSlot, forwarder, null) is not null)
        {
            throw new InvalidOperationException("The stack already has a UDP forwarder.");
        }
        stack.EnterForwarding();
        return new ForwarderRegistration(() =>
        {
            forwarder.Close();
            Interlocked.CompareExchange(ref udp.ForwarderSlot, null, forwarder);
            stack.ExitForwarding();
        }, () => forwarder.FlowCount);
    }

    /// <summary>
    /// Echo requests to addresses that are not the stack's own go to <paramref name="handler"/> on the thread pool
    /// (the stack still answers those to its own addresses); the handler answers with <see cref="IcmpEchoRequest.Reply()"/>
    /// or not at all.
    /// </summary>
    public static ForwarderRegistration ForwardIcmpEcho(this NetStack stack, Action<IcmpEchoRequest> handler)
    {
        ArgumentNullException.ThrowIfNull(stack);
        ArgumentNullException.ThrowIfNull(handler);
        var forwarder = new IcmpEchoForwarder(stack, handler);
        if (Interlocked.CompareExchange(ref stack.EchoForwarderSlot, forwarder, null) is not null)
        {
            throw new InvalidOperationException("The stack already has an ICMP echo forwarder.");
        }
        stack.EnterForwarding();
        return new ForwarderRegistration(() =>
        {
            Interlocked.CompareExchange(ref stack.EchoForwarderSlot, null, forwarder);
            stack.ExitForwarding();
        }, () => 0);
    }

    /// <summary>Datagrams of new UDP flows dropped because the flow table was full (0 without a UDP forwarder).</summary>
    public static long UdpFlowsRefused(this NetStack stack) => stack?.Udp.Forwarder?.Refused ?? 0;
}
