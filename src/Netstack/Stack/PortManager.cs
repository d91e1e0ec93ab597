using System.Buffers.Binary;
using Netstack.Wire;

namespace Netstack.Stack;

/// <summary>
/// Local ports of every transport protocol of a stack, and ephemeral port selection by RFC 6056 §3.3.4
/// "Algorithm 4: Double-Hash Port Selection", by default in the Linux range 32768–60999
/// (<c>net.ipv4.ip_local_port_range</c>).
/// </summary>
/// <remarks>
/// <para>Two kinds of use, as Linux's bind hash and established hash. An <em>exclusive</em> reservation (a listener, an
/// explicitly bound socket, a UDP socket) owns (protocol, local address, port): nothing else may use that port on that
/// address. A wildcard (unspecified) local address conflicts with every address of its family on that port and the
/// other way round, as without SO_REUSEADDR. A <em>connection</em> port, picked for an outgoing connection
/// (<see cref="ReserveForConnection"/>), is in use only for its own four-tuple: connections to different destinations
/// share a local port, and a connection in TIME-WAIT holds its port only for its own four-tuple. The four-tuple
/// itself is claimed in the transport's connection table (the claim callback), atomically with the choice, so a
/// connection never collides with another; a port a connection uses is never reserved exclusively, and the other
/// way round.</para>
/// <para>The offset F(local, remote, remote port) and the index into the perturbation table (RFC 6056
/// <c>table[]</c>) are SipHash under two keys derived from the stack's secret, so a peer cannot predict the next
/// port from earlier ones; the table spreads successive connections to one destination over the range.</para>
/// </remarks>
internal sealed class PortManager
{
    /// <summary>The first port of the default ephemeral range (Linux <c>ip_local_port_range</c>).</summary>
    public const ushort DefaultFirst = 32768;

    /// <summary>The last port of the default ephemeral range.</summary>
    public const ushort DefaultLast = 60999;

    private const int TableSize = 256;

    private readonly Lock _lock = new();
    private readonly HashSet<PortKey> _exclusive = [];
    private readonly Dictionary<PortKey, int> _connectionUsers = [];
    private readonly Dictionary<(byte Protocol, bool IsV6, ushort Port), int> _perPort = [];
    private readonly uint[] _table = new uint[TableSize];
    private readonly SipHashKey _offsetKey;
    private readonly SipHashKey _indexKey;

    public PortManager(StackSecret secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        _offsetKey = secret.DeriveKey("ephemeral port offset"u8);
        _indexKey = secret.DeriveKey("ephemeral port index"u8);
        // RFC 6056 §3.3.4: the table starts with random values.
        SipHashKey tableKey = secret.DeriveKey("ephemeral port table"u8);
        Span<byte> index = stackalloc byte[4];
        for (int i = 0; i < TableSize; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(index, i);
            _table[i] = (uint)SipHash.Hash(tableKey, index);
        }
    }

    /// <summary>The first port ephemeral selection may pick (<see cref="SetEphemeralRange"/>).</summary>
    public ushort EphemeralFirst { get; private set; } = DefaultFirst;

    /// <summary>The last port ephemeral selection may pick.</summary>
    public ushort EphemeralLast { get; private set; } = DefaultLast;

    private int EphemeralCount => EphemeralLast - EphemeralFirst + 1;

    /// <summary>Exclusive reservations plus distinct (protocol, local address, port) that connections use.</summary>
    public int Count
    {
        get { lock (_lock) { return _exclusive.Count + _connectionUsers.Count; } }
    }

    /// <summary>Narrows or widens the ephemeral range (Linux <c>ip_local_port_range</c>); ports already in use keep their use.</summary>
    public void SetEphemeralRange(ushort first, ushort last)
    {
        ArgumentOutOfRangeException.ThrowIfZero(first);
        ArgumentOutOfRangeException.ThrowIfLessThan(last, first);
        lock (_lock)
        {
            EphemeralFirst = first;
            EphemeralLast = last;
        }
    }

    /// <summary>Reserves <paramref name="port"/> on <paramref name="local"/> exclusively (unspecified = every address of its family); false when taken.</summary>
    public bool TryReserve(byte protocol, NetAddress local, ushort port)
    {
        if (port == 0)
        {
            return false;
        }
        lock (_lock)
        {
            return TryReserveLocked(protocol, local, port);
        }
    }

    /// <summary>
    /// Picks and reserves exclusively an ephemeral port for a socket from <paramref name="local"/> towards
    /// (<paramref name="remote"/>, <paramref name="remotePort"/>) (a listener on port 0, a UDP socket); 0 when the
    /// range is exhausted. Pass an unspecified remote for an unconnected socket.
    /// </summary>
    public ushort ReserveEphemeral(byte protocol, NetAddress local, NetAddress remote, ushort remotePort)
    {
        (uint offset, int index) = Hashes(protocol, local, remote, remotePort);
        lock (_lock)
        {
            for (int count = 0; count < EphemeralCount; count++)
            {
                ushort port = Candidate(offset, index, count);
                if (TryReserveLocked(protocol, local, port))
                {
                    Advance(index, count);
                    return port;
                }
            }
        }
        return 0;
    }

    /// <summary>
    /// Picks an ephemeral port for a connection from <paramref name="local"/> to (<paramref name="remote"/>,
    /// <paramref name="remotePort"/>): the first candidate of RFC 6056 Algorithm 4 that no exclusive reservation holds
    /// and whose four-tuple <paramref name="claim"/> takes (it registers the connection under that four-tuple in the
    /// transport's table, or refuses when the four-tuple is in use, TIME-WAIT included). The claim runs under this
    /// manager's lock and must not call back into it. Returns the port, now counted as used by one more connection
    /// (give it back with <see cref="ReleaseConnection"/>), or 0 when every port of the range is taken towards that
    /// destination.
    /// </summary>
    public ushort ReserveForConnection<TState>(byte protocol, NetAddress local, NetAddress remote, ushort remotePort, Func<TState, ushort, bool> claim, TState state)
    {
        ArgumentNullException.ThrowIfNull(claim);
        if (local.IsUnspecified)
        {
            throw new ArgumentException("A connection's local address is a specific one.", nameof(local));
        }
        (uint offset, int index) = Hashes(protocol, local, remote, remotePort);
        NetAddress any = new(UInt128.Zero, local.IsV6);
        lock (_lock)
        {
            for (int count = 0; count < EphemeralCount; count++)
            {
                ushort port = Candidate(offset, index, count);
                if (_exclusive.Contains(new PortKey(protocol, local, port)) || _exclusive.Contains(new PortKey(protocol, any, port))
                    || !claim(state, port))
                {
                    continue;
                }
                Advance(index, count);
                var key = new PortKey(protocol, local, port);
                _connectionUsers.TryGetValue(key, out int users);
                _connectionUsers[key] = users + 1;
                if (users == 0)
                {
                    AddPerPort(key, 1);
                }
                return port;
            }
        }
        return 0;
    }

    /// <summary>Gives back a port <see cref="ReserveForConnection"/> returned, when its connection is gone (after TIME-WAIT).</summary>
    public void ReleaseConnection(byte protocol, NetAddress local, ushort port)
    {
        var key = new PortKey(protocol, local, port);
        lock (_lock)
        {
            if (!_connectionUsers.TryGetValue(key, out int users))
            {
                return;
            }
            if (users > 1)
            {
                _connectionUsers[key] = users - 1;
                return;
            }
            _connectionUsers.Remove(key);
            AddPerPort(key, -1);
        }
    }

    /// <summary>Releases a reservation made by <see cref="TryReserve"/> or <see cref="ReserveEphemeral"/>.</summary>
    public void Release(byte protocol, NetAddress local, ushort port)
    {
        lock (_lock)
        {
            var key = new PortKey(protocol, local, port);
            if (_exclusive.Remove(key))
            {
                AddPerPort(key, -1);
            }
        }
    }

    /// <summary>Whether (protocol, local, port) is reserved exclusively.</summary>
    public bool IsReserved(byte protocol, NetAddress local, ushort port)
    {
        lock (_lock)
        {
            return _exclusive.Contains(new PortKey(protocol, local, port));
        }
    }

    /// <summary>How many connections use (protocol, local, port), each with its own four-tuple.</summary>
    public int ConnectionUsers(byte protocol, NetAddress local, ushort port)
    {
        lock (_lock)
        {
            return _connectionUsers.GetValueOrDefault(new PortKey(protocol, local, port));
        }
    }

    /// <summary>RFC 6056 §3.3.4: offset = F(local, remote, remote port, secret1); index = G(local, remote, remote port, secret2).</summary>
    private (uint Offset, int Index) Hashes(byte protocol, NetAddress local, NetAddress remote, ushort remotePort)
    {
        Span<byte> flow = stackalloc byte[36];
        BinaryPrimitives.WriteUInt128LittleEndian(flow, local.Bits);
        BinaryPrimitives.WriteUInt128LittleEndian(flow[16..], remote.Bits);
        BinaryPrimitives.WriteUInt16LittleEndian(flow[32..], remotePort);
        flow[34] = protocol;
        flow[35] = local.IsV6 ? (byte)6 : (byte)4;
        return ((uint)SipHash.Hash(_offsetKey, flow), (int)(SipHash.Hash(_indexKey, flow) % TableSize));
    }

    private ushort Candidate(uint offset, int index, int count) =>
        (ushort)(EphemeralFirst + (int)(((ulong)offset + _table[index] + (ulong)count) % (ulong)EphemeralCount));

    /// <summary>
    /// RFC 6056 increments table[index] once per candidate tried, so the next connection to the destination starts
    /// after this one. Linux steps by a small random amount, keeping the parity; one is enough here.
    /// </summary>
    private void Advance(int index, int count) => _table[index] = unchecked(_table[index] + (uint)count + 1);

    private bool TryReserveLocked(byte protocol, NetAddress local, ushort port)
    {
        var key = new PortKey(protocol, local, port);
        if (_perPort.GetValueOrDefault((protocol, local.IsV6, port)) > 0)
        {
            if (local.IsUnspecified)
            {
                return false; // a wildcard needs the port free on every address
            }
            NetAddress any = new(UInt128.Zero, local.IsV6);
            if (_exclusive.Contains(new PortKey(protocol, any, port)) || _exclusive.Contains(key) || _connectionUsers.ContainsKey(key))
            {
                return false;
            }
        }
        _exclusive.Add(key);
        AddPerPort(key, 1);
        return true;
    }

    private void AddPerPort(PortKey key, int delta)
    {
        var perPort = (key.Protocol, key.Local.IsV6, key.Port);
        int n = _perPort.GetValueOrDefault(perPort) + delta;
        if (n == 0)
        {
            _perPort.Remove(perPort);
        }
        else
        {
            _perPort[perPort] = n;
        }
    }

    private readonly record struct PortKey(byte Protocol, NetAddress Local, ushort Port);
}
