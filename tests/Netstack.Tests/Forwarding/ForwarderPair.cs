using System.Net;
using System.Net.Sockets;
using Netstack.Forwarding;
using Netstack.Link;
using Netstack.Sockets;
using Netstack.Stack;

namespace Netstack.Tests.Forwarding;

/// <summary>
/// The forwarder tests' world: a stack playing the namespace (10.9.0.1, default route through the gateway) and the
/// forwarder's stack (10.9.0.2, the gateway, mapped to the host's 127.0.0.1) over an in-memory link, plus a host
/// service listening on 127.0.0.1.
/// </summary>
internal sealed class ForwarderPair : IAsyncDisposable
{
    public static readonly IPAddress Gateway = IPAddress.Parse("10.9.0.2");

    private readonly ChannelLinkPair _links = ChannelLink.CreatePair(new ChannelLinkOptions { DispatchMode = ChannelDispatchMode.Thread, Mtu = 65520 });
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    /// <param name="peekOffset">The forwarder's <see cref="HostForwarderOptions.PeekOffset"/>; null for its default.</param>
    public ForwarderPair(bool? peekOffset = null)
    {
        int nic = Namespace.AddInterface(_links.A, InterfaceAddress.Parse("10.9.0.1/24"));
        Namespace.AddRoute(IPNetwork.Parse("0.0.0.0/0"), nic, Gateway);
        GatewayStack.AddInterface(_links.B, InterfaceAddress.Parse("10.9.0.2/24"));
        Forwarder = HostForwarder.Start(GatewayStack, new HostForwarderOptions
        {
            Dialer = new DirectDialer(),
            Map = new DestinationMap().MapAddress(Gateway, IPAddress.Loopback),
            ForwardIcmpEcho = false,
            PeekOffset = peekOffset ?? HostSocketSendSource.IsSupported, // the option's own default
        });
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen();
    }

    /// <summary>The stack that plays the namespace.</summary>
    public NetStack Namespace { get; } = new();

    /// <summary>The forwarder's stack.</summary>
    public NetStack GatewayStack { get; } = new();

    public HostForwarder Forwarder { get; }

    /// <summary>The namespace connects to the gateway; returns its connection and the host service's socket.</summary>
    public async Task<(TcpConnection Client, Socket Host)> ConnectAsync(CancellationToken cancellationToken)
    {
        Task<Socket> accepting = _listener.AcceptAsync(cancellationToken).AsTask();
        TcpConnection client = await Namespace.ConnectTcpAsync(new IPEndPoint(Gateway, ((IPEndPoint)_listener.LocalEndPoint!).Port), cancellationToken);
        return (client, await accepting);
    }

    public async ValueTask DisposeAsync()
    {
        await Forwarder.DisposeAsync();
        _listener.Dispose();
        _links.Dispose();
        Namespace.Dispose();
        GatewayStack.Dispose();
    }
}
