using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using Netstack.Forwarding;
using Netstack.Link;
using Netstack.Sockets;
using Netstack.Stack;

namespace Netstack.Benchmarks;

/// <summary>
/// Host → stack TCP through a <see cref="HostForwarder"/>, in one process: a loopback service writes, the forwarder's
/// stack relays over a 65520-byte-MTU channel link to a "namespace" stack that reads. PeekOffset=true sends from the
/// host socket's receive queue (SO_PEEK_OFF); false copies through the relay buffer and the endpoint's send buffer.
/// </summary>
[Config(typeof(ThroughputConfig))]
public class HostForwarderBenchmarks : IDisposable
{
    private static readonly IPAddress Gateway = IPAddress.Parse("10.9.0.2");
    private ChannelLinkPair? _links;
    private NetStack? _namespace;
    private NetStack? _gateway;
    private HostForwarder? _forwarder;
    private Socket? _listener;
    private Socket? _host;
    private TcpConnection? _client;
    private byte[] _chunk = [];
    private byte[] _buffer = [];

    [Params(true, false)]
    public bool PeekOffset { get; set; }

    [Params(32 * 1024 * 1024)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _links = ChannelLink.CreatePair(new ChannelLinkOptions { DispatchMode = ChannelDispatchMode.Thread, Mtu = 65520 });
        _namespace = new NetStack();
        _gateway = new NetStack();
        int nic = _namespace.AddInterface(_links.A, InterfaceAddress.Parse("10.9.0.1/24"));
        _namespace.AddRoute(IPNetwork.Parse("0.0.0.0/0"), nic, Gateway);
        _gateway.AddInterface(_links.B, InterfaceAddress.Parse("10.9.0.2/24"));
        _forwarder = HostForwarder.Start(_gateway, new HostForwarderOptions
        {
            Dialer = new DirectDialer(),
            Map = new DestinationMap().MapAddress(Gateway, IPAddress.Loopback),
            ForwardIcmpEcho = false,
            PeekOffset = PeekOffset,
        });
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen();
        Task<Socket> accepting = _listener.AcceptAsync();
        _client = _namespace.ConnectTcpAsync(new IPEndPoint(Gateway, ((IPEndPoint)_listener.LocalEndPoint!).Port)).AsTask().GetAwaiter().GetResult();
        _host = accepting.GetAwaiter().GetResult();
        _chunk = new byte[1 << 20];
        _buffer = new byte[256 * 1024];
    }

    /// <summary>Same as <see cref="Cleanup"/>.</summary>
    public void Dispose()
    {
        Cleanup();
        GC.SuppressFinalize(this);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _client?.Abort();
        _host?.Dispose();
        _forwarder?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _listener?.Dispose();
        _links?.Dispose();
        _namespace?.Dispose();
        _gateway?.Dispose();
        _client = null;
        _host = null;
        _forwarder = null;
        _listener = null;
        _links = null;
        _namespace = null;
        _gateway = null;
    }

    [Benchmark]
    public async Task<long> HostToStack()
    {
        Task sending = Task.Run(async () =>
        {
            for (int sent = 0; sent < Size; sent += _chunk.Length)
            {
                await _host!.SendAsync(_chunk, SocketFlags.None).ConfigureAwait(false);
            }
        });
        long received = 0;
        while (received < Size)
        {
            received += await _client!.Stream.ReadAsync(_buffer).ConfigureAwait(false);
        }
        await sending.ConfigureAwait(false);
        return received;
    }
}
