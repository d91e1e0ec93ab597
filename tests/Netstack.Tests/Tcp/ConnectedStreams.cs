using System.Net;
using Netstack.Link;
using Netstack.Sockets;
using Netstack.Stack;
using Netstack.Transport.Tcp;

namespace Netstack.Tests.Tcp;

/// <summary>
/// One established connection between two stacks over an in-memory link with dispatcher threads and the system
/// clock, for tests that block real threads: <see cref="Client"/> on 10.9.0.1, <see cref="Server"/> on 10.9.0.2.
/// </summary>
internal sealed class ConnectedStreams : IAsyncDisposable
{
    private readonly NetStack _clientStack;
    private readonly NetStack _serverStack;
    private readonly ChannelLinkPair _link;

    private ConnectedStreams(NetStack clientStack, NetStack serverStack, ChannelLinkPair link, TcpConnection client, TcpConnection server)
    {
        _clientStack = clientStack;
        _serverStack = serverStack;
        _link = link;
        Client = client;
        Server = server;
    }

    public TcpConnection Client { get; }

    public TcpConnection Server { get; }

    public static async Task<ConnectedStreams> CreateAsync(TcpEndpointOptions? clientOptions = null, TcpEndpointOptions? serverOptions = null)
    {
        var clientStack = new NetStack(new NetStackOptions { RandomSeed = 1 });
        var serverStack = new NetStack(new NetStackOptions { RandomSeed = 2 });
        ChannelLinkPair link = ChannelLink.CreatePair();
        clientStack.AddInterface(link.A, "10.9.0.1/24");
        serverStack.AddInterface(link.B, "10.9.0.2/24");
        var endpoint = new IPEndPoint(IPAddress.Parse("10.9.0.2"), 7);
        using TcpConnectionListener listener = serverStack.ListenTcp(endpoint, options: serverOptions);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        ValueTask<TcpConnection> accepting = listener.AcceptAsync(timeout.Token);
        TcpConnection client = await clientStack.ConnectTcpAsync(endpoint, timeout: null, clientOptions, timeout.Token);
        TcpConnection server = await accepting;
        return new ConnectedStreams(clientStack, serverStack, link, client, server);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Abort();
        Server.Abort();
        await _link.DisposeAsync();
        await _clientStack.DisposeAsync();
        await _serverStack.DisposeAsync();
    }
}
