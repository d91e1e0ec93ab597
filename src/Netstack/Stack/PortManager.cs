using Netstack.Wire;

namespace Netstack.Stack;

/// <summary>
/// Local port reservations for every transport protocol of a stack, and ephemeral port selection by RFC 6056
/// §3.3.4 "Algorithm 4: Double-Hash Port Selection" with the Linux range 32768–60999
/// (<c>net.ipv4.ip_local_port_range</c>).
/// </summary>
/// <remarks>
/// A reservation is (protocol, local address, port). A wildcard (unspecified) local address conflicts with
/// every address of its family on that port and the other way round, as without SO_REUSEADDR. The hashes are
/// SipHash keyed with a per-stack secret, so a peer cannot predict the next port from earlier ones; the
/// perturbation table (RFC 6056 <c>table[]</c>) spreads successive connections to one destination.
/// </remarks>
internal sealed class PortManager
{
    public const ushort EphemeralFirst = 32768;
    public const ushort EphemeralLast = 60999;
    private const int EphemeralCount = EphemeralLast - EphemeralFirst + 1;
    private const int TableSize = 256;

    private readonly Lock _lock = new();
    private readonly HashSet<(byte Protocol, NetAddress Local, ushort Port)> _reserved = [];
    private readonly Dictionary<(byte Protocol, bool IsV6, ushort Port), int> _perPort = [];
    private readonly ushort[] _table = new ushort[TableSize];
    private readonly ulong _k0, _k1, _k2, _k3;

    public PortManager(ReadOnlySpan<byte> secret)
    {
        if (secret.Length < 32)
        {
            throw new ArgumentException("The port secret needs 32 bytes.", nameof(secret));
        }
        _k0 = BitConverter.ToUInt64(secret);
        _k1 = BitConverter.ToUInt64(secret[8..]);
        _k2 = BitConverter.ToUInt64(secret[16..]);
        _k3 = BitConverter.ToUInt64(secret[24..]);
    }

    /// <summary>Ports currently reserved (all protocols).</summary>
    public int Count
    {
        get { lock (_lock) { return _reserved.Count; } }
    }

    /// <summary>Reserves <paramref name="port"/> on <paramref name="local"/> (unspecified = every address of its family); false when taken.</summary>
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
    /// Picks and reserves an ephemeral port for a flow from <paramref name="local"/> to
    /// (<paramref name="remote"/>, <paramref name="remotePort"/>); 0 when the range is exhausted.
    /// Pass an unspecified remote for an unconnected socket.
    /// </summary>
    public ushort ReserveEphemeral(byte protocol, NetAddress local, NetAddress remote, ushort remotePort)
    {
        Span<byte> key = stackalloc byte[36];
        local.WriteTo(key);
        remote.WriteTo(key[16..]);
        key[32] = (byte)(remotePort >> 8);
        key[33] = (byte)remotePort;
        key[34] = protocol;
        key[35] = local.IsV6 ? (byte)6 : (byte)4;
        // RFC 6056 §3.3.4: offset = F(local, remote, secret1); index = G(local, remote, secret2).
        uint offset = (uint)SipHash.Hash(new SipHashKey(_k0, _k1), key);
        int index = (int)(SipHash.Hash(new SipHashKey(_k2, _k3), key) % TableSize);
        lock (_lock)
        {
            for (int count = 0; count < EphemeralCount; count++)
            {
                uint candidate = (uint)((offset + _table[index] + (uint)count) % EphemeralCount);
                ushort port = (ushort)(EphemeralFirst + candidate);
                if (TryReserveLocked(protocol, local, port))
                {
                    // RFC 6056 recommends incrementing table[index] by one after a success; Linux moves it by
                    // a small random step of 2, keeping its parity. One is enough here.
                    _table[index] = (ushort)(_table[index] + count + 1);
                    return port;
                }
            }
        }
        return 0;
    }

    /// <summary>Releases a reservation made by <see cref="TryReserve"/> or <see cref="ReserveEphemeral"/>.</summary>
    public void Release(byte protocol, NetAddress local, ushort port)
    {
        lock (_lock)
        {
            if (_reserved.Remove((protocol, local, port)))
            {
                var key = (protocol, local.IsV6, port);
                int n = _perPort[key] - 1;
                if (n == 0)
                {
                    _perPort.Remove(key);
                }
                else
                {
                    _perPort[key] = n;
                }
            }
        }
    }

    /// <summary>Whether (protocol, local, port) is reserved exactly.</summary>
    public bool IsReserved(byte protocol, NetAddress local, ushort port)
    {
        lock (_lock)
        {
            return _reserved.Contains((protocol, local, port));
        }
    }

    private bool TryReserveLocked(byte protocol, NetAddress local, ushort port)
    {
        var portKey = (protocol, local.IsV6, port);
        _perPort.TryGetValue(portKey, out int users);
        if (users > 0)
        {
            if (local.IsUnspecified)
            {
                return false; // a wildcard needs the port free on every address
            }
            NetAddress any = new(UInt128.Zero, local.IsV6);
            if (_reserved.Contains((protocol, any, port)) || _reserved.Contains((protocol, local, port)))
            {
                return false;
            }
        }
        _reserved.Add((protocol, local, port));
        _perPort[portKey] = users + 1;
        return true;
    }
}
