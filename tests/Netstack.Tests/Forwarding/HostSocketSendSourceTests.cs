using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Netstack.Forwarding;

namespace Netstack.Tests.Forwarding;

/// <summary>The send-source contract of <see cref="HostSocketSendSource"/> on a real loopback connection.</summary>
public sealed class HostSocketSendSourceTests : IDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly Socket _writer = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly Socket _held;
    private readonly HostSocketSendSource _source;

    public HostSocketSendSourceTests()
    {
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen();
        _writer.Connect(_listener.LocalEndPoint!);
        _held = _listener.Accept();
        _source = new HostSocketSendSource(_held, new HostForwarderStatistics());
    }

    public void Dispose()
    {
        _held.Dispose();
        _writer.Dispose();
        _listener.Dispose();
    }

    [Fact]
    public void Copies_any_range_counting_from_the_head_and_discards_acknowledged_bytes()
    {
        byte[] data = RandomNumberGenerator.GetBytes(10_000);
        _writer.Send(data);
        WaitFor(data.Length);
        byte[] copy = new byte[3000];
        Assert.True(_source.TryCopyTo(5000, copy));
        Assert.Equal(data.AsSpan(5000, 3000).ToArray(), copy);
        Assert.True(_source.TryCopyTo(0, copy)); // backwards, as a retransmission does
        Assert.Equal(data.AsSpan(0, 3000).ToArray(), copy);
        Assert.True(_source.TryCopyTo(3000, copy)); // contiguous: no setsockopt needed
        Assert.Equal(data.AsSpan(3000, 3000).ToArray(), copy);
        _source.Discard(4000);
        Assert.Equal(6000, _source.Length);
        Assert.True(_source.TryCopyTo(0, copy));
        Assert.Equal(data.AsSpan(4000, 3000).ToArray(), copy);
        Assert.False(_source.TryCopyTo(5000, copy)); // beyond what is held: not there
    }

    [Fact]
    public void The_peers_FIN_ends_the_stream_after_its_last_byte()
    {
        byte[] data = RandomNumberGenerator.GetBytes(1000);
        _writer.Send(data);
        _writer.Shutdown(SocketShutdown.Send);
        Thread.Sleep(50);
        _source.Refresh();
        Assert.True(_source.EndOfStream);
        Assert.Equal(1000, _source.Length);
        _source.Discard(1000);
        Assert.Equal(0, _source.Length);
        Assert.False(_source.Failed);
    }

    private void WaitFor(long count)
    {
        for (int i = 0; i < 100 && _source.Length < count; i++)
        {
            _source.Refresh();
            if (_source.Length < count)
            {
                Thread.Sleep(10);
            }
        }
        Assert.Equal(count, _source.Length);
    }
}
