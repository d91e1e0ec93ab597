using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Netstack.Sockets;
using Netstack.Stack;

namespace Netstack.Tests.NameResolution;

/// <summary>
/// A tiny authoritative DNS server on a stack's UDP and TCP port, written for the tests without the library's codec:
/// it reads the (uncompressed) question, answers from <see cref="Zone"/> (CNAMEs followed, names case-insensitive),
/// NXDOMAIN for unknown names, and can misbehave on demand: stay silent, answer SERVFAIL, truncate UDP answers, or
/// send a spoofed answer (another ID, another address) before the real one.
/// </summary>
internal sealed class TestDnsServer : IAsyncDisposable
{
    private readonly UdpSocket _udp;
    private readonly TcpConnectionListener _tcp;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _udpLoop;
    private readonly Task _tcpLoop;
    private int _udpQueries;
    private int _tcpQueries;

    public TestDnsServer(NetStack stack, IPEndPoint endPoint)
    {
        EndPoint = endPoint;
        _udp = new UdpSocket(stack, endPoint.AddressFamily);
        _udp.Bind(endPoint);
        _tcp = stack.ListenTcp(endPoint);
        _udpLoop = Task.Run(ServeUdpAsync);
        _tcpLoop = Task.Run(ServeTcpAsync);
    }

    public IPEndPoint EndPoint { get; }

    /// <summary>Addresses by lower-case name.</summary>
    public Dictionary<string, List<IPAddress>> Zone { get; } = [];

    /// <summary>Aliases by lower-case name.</summary>
    public Dictionary<string, string> Aliases { get; } = [];

    public uint Ttl { get; set; } = 60;

    /// <summary>Ignore queries (UDP and TCP) instead of answering.</summary>
    public bool Silent { get; set; }

    /// <summary>Answer every query with this rcode and no records (e.g. 2, SERVFAIL).</summary>
    public int? ForcedResponseCode { get; set; }

    /// <summary>Over UDP, send only the header and question with the TC bit.</summary>
    public bool TruncateUdp { get; set; }

    /// <summary>Over UDP, first send an answer with the ID plus one and the address 6.6.6.6.</summary>
    public bool SpoofFirst { get; set; }

    public int UdpQueries => Volatile.Read(ref _udpQueries);

    public int TcpQueries => Volatile.Read(ref _tcpQueries);

    /// <summary>Completes each time a query arrives (UDP or TCP); replaced after it does.</summary>
    public Task QueryArrived => _arrived.Task;

    private TaskCompletionSource _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Add(string name, params string[] addresses) => Zone[name.ToLowerInvariant()] = [.. addresses.Select(IPAddress.Parse)];

    private void Arrived() => Interlocked.Exchange(ref _arrived, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    private async Task ServeUdpAsync()
    {
        byte[] buffer = new byte[1500];
        while (!_stop.IsCancellationRequested)
        {
            UdpReceiveFromResult got;
            try
            {
                got = await _udp.ReceiveFromAsync(buffer, _stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            Interlocked.Increment(ref _udpQueries);
            byte[] query = buffer.AsSpan(0, got.ReceivedBytes).ToArray();
            Arrived();
            if (Silent)
            {
                continue;
            }
            if (SpoofFirst)
            {
                byte[] spoof = Answer(query, truncate: false, spoofAddress: IPAddress.Parse("6.6.6.6"));
                BinaryPrimitives.WriteUInt16BigEndian(spoof, (ushort)(BinaryPrimitives.ReadUInt16BigEndian(spoof) + 1));
                await _udp.SendToAsync(spoof, got.RemoteEndPoint);
            }
            await _udp.SendToAsync(Answer(query, TruncateUdp, spoofAddress: null), got.RemoteEndPoint);
        }
    }

    private async Task ServeTcpAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpConnection connection;
            try
            {
                connection = await _tcp.AcceptAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            await using (connection)
            {
                try
                {
                    byte[] prefix = new byte[2];
                    await connection.Stream.ReadExactlyAsync(prefix, _stop.Token);
                    byte[] query = new byte[BinaryPrimitives.ReadUInt16BigEndian(prefix)];
                    await connection.Stream.ReadExactlyAsync(query, _stop.Token);
                    Interlocked.Increment(ref _tcpQueries);
                    Arrived();
                    if (Silent)
                    {
                        continue;
                    }
                    byte[] answer = Answer(query, truncate: false, spoofAddress: null);
                    byte[] framed = new byte[2 + answer.Length];
                    BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)answer.Length);
                    answer.CopyTo(framed, 2);
                    await connection.Stream.WriteAsync(framed, _stop.Token);
                    connection.ShutdownWrite();
                }
                catch (Exception e) when (e is IOException or OperationCanceledException or EndOfStreamException)
                {
                    // the client went away
                }
            }
        }
    }

    /// <summary>The answer to <paramref name="query"/>: header, its question, then the chain and the addresses.</summary>
    private byte[] Answer(byte[] query, bool truncate, IPAddress? spoofAddress)
    {
        int at = 12;
        var labels = new List<string>();
        while (query[at] != 0)
        {
            labels.Add(Encoding.ASCII.GetString(query, at + 1, query[at]).ToLowerInvariant());
            at += 1 + query[at];
        }
        ushort type = BinaryPrimitives.ReadUInt16BigEndian(query.AsSpan(at + 1));
        byte[] question = query[12..(at + 5)];
        string name = string.Join('.', labels);
        var records = new DnsMessageBuilder(BinaryPrimitives.ReadUInt16BigEndian(query), 0, null, 0);
        int count = 0;
        string current = name;
        bool known = Zone.ContainsKey(name) || Aliases.ContainsKey(name);
        while (Aliases.TryGetValue(current, out string? target))
        {
            records.CName(current, target, Ttl);
            count++;
            current = target;
        }
        IEnumerable<IPAddress> addresses = spoofAddress is not null ? [spoofAddress] : Zone.GetValueOrDefault(current) ?? [];
        foreach (IPAddress address in addresses.Where(a => a.AddressFamily == (type == 1 ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6)))
        {
            records.Address(current, address, Ttl);
            count++;
        }
        int rcode = ForcedResponseCode ?? (known || spoofAddress is not null ? 0 : 3);
        if (truncate || ForcedResponseCode is not null)
        {
            count = 0;
        }
        byte[] header = new byte[12];
        BinaryPrimitives.WriteUInt16BigEndian(header, BinaryPrimitives.ReadUInt16BigEndian(query));
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(2), DnsMessageBuilder.ResponseFlags(rcode, truncate));
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(4), 1);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(6), (ushort)count);
        byte[] body = count == 0 ? [] : records.Build()[12..];
        return [.. header, .. question, .. body];
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _udp.Dispose();
        _tcp.Dispose();
        await Task.WhenAll(_udpLoop, _tcpLoop).WaitAsync(TimeSpan.FromSeconds(30));
        _stop.Dispose();
    }
}
