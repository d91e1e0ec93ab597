using System.Buffers.Binary;
using Netstack.Wire;

namespace Netstack.Fuzz;

/// <summary>
/// Hand-made starting inputs for each target: valid packets (TCP with every option, UDP, ICMP echoes and errors,
/// IPv6 extension chains, NDP), fragment trains (in order, reversed, overlapping, duplicated, left to time out) and
/// TCP conversations (handshake, data both ways, SACK, FIN) in the stack target's record format.
/// </summary>
internal static class SeedInputs
{
    private static readonly NetAddress Peer4 = NetAddress.Parse("10.9.0.1");
    private static readonly NetAddress Local4 = NetAddress.Parse("10.9.0.2");
    private static readonly NetAddress Peer6 = NetAddress.Parse("fd00:9::1");
    private static readonly NetAddress Local6 = NetAddress.Parse("fd00:9::2");

    public static IReadOnlyList<(string Name, byte[] Input)> For(string target) => target switch
    {
        "parsers" => Parsers(),
        "reassembly" => Reassembly(),
        "stack" => Stack(),
        _ => throw new ArgumentException($"unknown fuzz target '{target}'", nameof(target)),
    };

    private static List<(string, byte[])> Parsers()
    {
        byte[] hbhDestFrag = Concat(ExtensionHeader(IpProtocol.DestinationOptions, 0), ExtensionHeader(IpProtocol.Routing, 0), RoutingHeader(IpProtocol.Fragment), FragmentHeader(IpProtocol.Udp, 0, more: true, 7), Udp(Peer6, Local6, 16));
        return
        [
            ("tcp4-syn-options", V4(IpProtocol.Tcp, Tcp(Peer4, Local4, 1000, 0, TcpFlags.Syn, SynOptions(), []))),
            ("tcp4-data-sack", V4(IpProtocol.Tcp, Tcp(Peer4, Local4, 1001, 5, TcpFlags.Ack | TcpFlags.Psh, SackOptions(), [1, 2, 3, 4]))),
            ("udp4", V4(IpProtocol.Udp, Udp(Peer4, Local4, 12))),
            ("icmp4-echo", V4(IpProtocol.Icmp, Icmp4Echo())),
            ("icmp4-error", V4(IpProtocol.Icmp, Icmp4Error())),
            ("ipv4-options", V4WithOptions()),
            ("ipv4-fragment", V4(IpProtocol.Udp, new byte[24], offset: 8, more: true)),
            ("tcp6-syn", V6(IpProtocol.Tcp, Tcp(Peer6, Local6, 1000, 0, TcpFlags.Syn, SynOptions(), []))),
            ("udp6-chain", V6(IpProtocol.HopByHop, hbhDestFrag)),
            ("ipv6-later-fragment", V6(IpProtocol.Fragment, Concat(FragmentHeader(IpProtocol.Udp, 16, more: false, 7), new byte[8]))),
            ("icmp6-ns", V6(IpProtocol.IcmpV6, NeighborSolicitation())),
            ("icmp6-error", V6(IpProtocol.IcmpV6, Icmp6Error())),
            ("tcp-bare", Tcp(Peer4, Local4, 1, 2, TcpFlags.Ack, SackOptions(), [9])),
            ("ethernet-arp", EthernetArp()),
        ];
    }

    private static List<(string, byte[])> Reassembly()
    {
        // Records: control, offset in 8-byte units, length (see ReassemblyTarget).
        static byte[] Train(bool v6, int payload, params (byte Control, int Offset8, int Length)[] records)
        {
            var bytes = new List<byte> { (byte)(v6 ? 1 : 0), (byte)(payload >> 8), (byte)payload };
            foreach ((byte control, int offset8, int length) in records)
            {
                bytes.AddRange([control, (byte)(offset8 >> 8), (byte)offset8, (byte)(length >> 8), (byte)length]);
            }
            return [.. bytes];
        }
        return
        [
            ("v4-in-order", Train(false, 92, (1, 0, 48), (1 | 0x20, 6, 32), (0x20, 10, 20))),
            ("v4-reversed", Train(false, 92, (0, 10, 20), (1, 6, 32), (1, 0, 48))),
            ("v4-overlap", Train(false, 92, (1, 0, 48), (1, 4, 32), (0, 10, 20))),
            ("v4-duplicate-options", Train(false, 92, (1 | 0x40, 0, 48), (1 | 0x40, 0, 48), (1, 6, 32), (0, 10, 20))),
            ("v4-timeout", Train(false, 92, (1, 0, 48), (0x1C, 10, 20))),
            ("v4-two-ids", Train(false, 40, (1, 0, 24), (3, 0, 24), (2, 3, 24), (0, 3, 24))),
            ("v6-in-order", Train(true, 1400, (1, 0, 1000), (0, 125, 408))),
            ("v6-hop-by-hop", Train(true, 100, (1 | 0x40, 0, 56), (0x40, 7, 52))),
            ("v6-timeout", Train(true, 100, (0, 7, 52), (0x1C, 0, 8))),
            ("v4-large", Train(false, 5000, (1 | 0x80, 0, 4000), (0x80, 500, 1008))),
        ];
    }

    private static List<(string, byte[])> Stack()
    {
        const byte Fix = 16, Rebase = 32, App = 64, Join = 8;
        static byte[] Conversation(byte config, params (byte Control, byte[] Packet)[] records)
        {
            var bytes = new List<byte> { config };
            foreach ((byte control, byte[] packet) in records)
            {
                bytes.AddRange([control, (byte)(packet.Length >> 8), (byte)packet.Length]);
                bytes.AddRange(packet);
            }
            return [.. bytes];
        }
        static byte[] Tcp4(uint seq, uint ack, TcpFlags flags, byte[] options, byte[] payload) => V4(IpProtocol.Tcp, Tcp(Peer4, Local4, seq, ack, flags, options, payload));
        static byte[] Tcp6(uint seq, uint ack, TcpFlags flags, byte[] options, byte[] payload) => V6(IpProtocol.Tcp, Tcp(Peer6, Local6, seq, ack, flags, options, payload));
        byte[] data = new byte[100];
        return
        [
            ("tcp4-conversation", Conversation(0,
                (Fix, Tcp4(1000, 0, TcpFlags.Syn, SynOptions(), [])),
                (Fix | Rebase, Tcp4(1001, 1, TcpFlags.Ack, TimestampOptions(), [])),
                (Fix | Rebase | App, Tcp4(1001, 1, TcpFlags.Ack | TcpFlags.Psh, TimestampOptions(), data)),
                (Fix | Rebase | App, Tcp4(1101, 1, TcpFlags.Ack, TimestampOptions(), [])),
                (Fix | Rebase | 3, Tcp4(1101, 1449, TcpFlags.Ack, SackOptions(), [])),
                (Fix | Rebase | 5 | App, Tcp4(1101, 5001, TcpFlags.Ack, TimestampOptions(), [])),
                (Fix | Rebase | App, Tcp4(1101, 5001, TcpFlags.Ack | TcpFlags.Fin, TimestampOptions(), [])))),
            ("tcp6-conversation-offload", Conversation(1 | 2,
                (Fix, Tcp6(7, 0, TcpFlags.Syn, SynOptions(), [])),
                (Fix | Rebase | App, Tcp6(8, 1, TcpFlags.Ack, [], [])),
                (Fix | Rebase | Join, Tcp6(8, 1, TcpFlags.Ack, [], data)),
                (Fix | Rebase | App, Tcp6(108, 1, TcpFlags.Ack, [], data)),
                (Fix | Rebase | 7, Tcp6(208, 1, TcpFlags.Rst, [], [])))),
            ("tcp4-small-window-newreno", Conversation(8 | 32 | 64,
                (Fix, Tcp4(50, 0, TcpFlags.Syn, SynOptions(), [])),
                (Fix | Rebase | App, Tcp4(51, 1, TcpFlags.Ack, TimestampOptions(), new byte[1400])),
                (Fix | Rebase | App, Tcp4(1451, 1, TcpFlags.Ack, TimestampOptions(), new byte[1400])),
                (Fix | Rebase | 6 | App, Tcp4(2851, 1, TcpFlags.Ack, TimestampOptions(), new byte[1400])),
                (Fix | Rebase | 7, Tcp4(4251, 1, TcpFlags.Ack, TimestampOptions(), [])))),
            ("udp-and-ping", Conversation(0,
                (Fix, V4(IpProtocol.Udp, Udp(Peer4, Local4, 20, 53))),
                (Fix | App, V6(IpProtocol.Udp, Udp(Peer6, Local6, 20, 53))),
                (Fix, V4(IpProtocol.Udp, Udp(Peer4, Local4, 20, 9))),
                (Fix, V4(IpProtocol.Icmp, Icmp4Echo())),
                (Fix, V6(IpProtocol.IcmpV6, Icmp6Echo())),
                (Fix, V6(IpProtocol.IcmpV6, NeighborSolicitation())))),
            ("fragments", Conversation(0,
                (Fix, V4(IpProtocol.Udp, Udp(Peer4, Local4, 40, 53).AsSpan(0, 24).ToArray(), offset: 0, more: true)),
                (Fix | Join, V4(IpProtocol.Udp, Udp(Peer4, Local4, 40, 53).AsSpan(24).ToArray(), offset: 24, more: false)),
                (Fix, V6(IpProtocol.Fragment, Concat(FragmentHeader(IpProtocol.Udp, 0, more: true, 9), Udp(Peer6, Local6, 40, 53).AsSpan(0, 24).ToArray()))),
                (Fix | 7 | App, V6(IpProtocol.Fragment, Concat(FragmentHeader(IpProtocol.Udp, 0, more: true, 10), new byte[16]))))),
        ];
    }

    private static byte[] V4(byte protocol, byte[] payload, int offset = 0, bool more = false)
    {
        byte[] p = new byte[Ipv4Header.MinLength + payload.Length];
        Ipv4Header.Write(p, Peer4, Local4, protocol, p.Length, 0x4242, 64, dontFragment: offset == 0 && !more, fragmentOffset: offset, moreFragments: more);
        payload.CopyTo(p, Ipv4Header.MinLength);
        return p;
    }

    private static byte[] V6(byte nextHeader, byte[] payload)
    {
        byte[] p = new byte[Ipv6Header.Length + payload.Length];
        Ipv6Header.Write(p, Peer6, Local6, nextHeader, payload.Length, 64);
        payload.CopyTo(p, Ipv6Header.Length);
        return p;
    }

    private static byte[] V4WithOptions()
    {
        byte[] inner = V4(IpProtocol.Udp, Udp(Peer4, Local4, 8));
        byte[] p = new byte[inner.Length + 8];
        inner.AsSpan(0, Ipv4Header.MinLength).CopyTo(p);
        p[0] = 0x47;
        p[20] = 148; p[21] = 4; // Router Alert (RFC 2113)
        p[24] = 1; p[25] = 1; p[26] = 1; p[27] = 0; // NOPs, End of Options
        inner.AsSpan(Ipv4Header.MinLength).CopyTo(p.AsSpan(28));
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(Ipv4Header.TotalLengthOffset), (ushort)p.Length);
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(Ipv4Header.ChecksumOffset), 0);
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(Ipv4Header.ChecksumOffset), Checksum.Compute(p.AsSpan(0, 28)));
        return p;
    }

    private static byte[] Tcp(NetAddress source, NetAddress destination, uint seq, uint ack, TcpFlags flags, byte[] options, byte[] payload)
    {
        int headerLength = 20 + options.Length;
        byte[] t = new byte[headerLength + payload.Length];
        BinaryPrimitives.WriteUInt16BigEndian(t, 40000);
        BinaryPrimitives.WriteUInt16BigEndian(t.AsSpan(2), 80);
        BinaryPrimitives.WriteUInt32BigEndian(t.AsSpan(4), seq);
        BinaryPrimitives.WriteUInt32BigEndian(t.AsSpan(8), ack);
        t[12] = (byte)(headerLength / 4 << 4);
        t[13] = (byte)flags;
        BinaryPrimitives.WriteUInt16BigEndian(t.AsSpan(14), 65535);
        options.CopyTo(t, 20);
        payload.CopyTo(t, headerLength);
        _ = TcpHeader.TryParse(t, out TcpHeader tcp);
        tcp.SetChecksum(source, destination);
        return t;
    }

    private static byte[] SynOptions()
    {
        byte[] o = new byte[20];
        TcpOptions.Write(o, new TcpOptionsInfo { Mss = 1400, WindowScale = 7, SackPermitted = true, Timestamp = new TcpTimestamp(100, 0) });
        return o;
    }

    private static byte[] TimestampOptions()
    {
        byte[] o = new byte[12];
        TcpOptions.Write(o, new TcpOptionsInfo { Timestamp = new TcpTimestamp(200, 1) });
        return o;
    }

    private static byte[] SackOptions()
    {
        var info = new TcpOptionsInfo { Timestamp = new TcpTimestamp(300, 1), SackBlocks = new SackBlockList([new SackBlock(2897, 4345), new SackBlock(4345, 5001)]) };
        byte[] o = new byte[TcpOptions.GetLength(info)];
        TcpOptions.Write(o, info);
        return o;
    }

    private static byte[] Udp(NetAddress source, NetAddress destination, int size, ushort port = 53)
    {
        byte[] d = new byte[UdpHeader.HeaderLength + size];
        UdpHeader.Write(d, 4000, port, d.Length);
        _ = UdpHeader.TryParse(d, out UdpHeader udp);
        udp.SetChecksum(source, destination);
        return d;
    }

    private static byte[] Icmp4Echo()
    {
        byte[] m = new byte[32];
        IcmpV4Header.WriteEcho(m, IcmpV4Type.EchoRequest, 1, 2);
        _ = IcmpV4Header.TryParse(m, out IcmpV4Header icmp);
        icmp.SetChecksum();
        return m;
    }

    private static byte[] Icmp4Error()
    {
        byte[] quoted = V4(IpProtocol.Udp, Udp(Local4, Peer4, 8));
        byte[] m = new byte[8 + 28];
        IcmpV4Header.Write(m, IcmpV4Type.DestinationUnreachable, IcmpV4Code.PortUnreachable);
        quoted.AsSpan(0, 28).CopyTo(m.AsSpan(8));
        _ = IcmpV4Header.TryParse(m, out IcmpV4Header icmp);
        icmp.SetChecksum();
        return m;
    }

    private static byte[] Icmp6Echo()
    {
        byte[] m = new byte[32];
        IcmpV6Header.WriteEcho(m, IcmpV6Type.EchoRequest, 1, 2);
        _ = IcmpV6Header.TryParse(m, out IcmpV6Header icmp);
        icmp.SetChecksum(Peer6, Local6);
        return m;
    }

    private static byte[] Icmp6Error()
    {
        byte[] quoted = V6(IpProtocol.Udp, Udp(Local6, Peer6, 8));
        byte[] m = new byte[8 + quoted.Length];
        IcmpV6Header.Write(m, IcmpV6Type.DestinationUnreachable, IcmpV6Code.PortUnreachable);
        quoted.CopyTo(m, 8);
        _ = IcmpV6Header.TryParse(m, out IcmpV6Header icmp);
        icmp.SetChecksum(Peer6, Local6);
        return m;
    }

    private static byte[] NeighborSolicitation()
    {
        byte[] m = new byte[32];
        int length = IcmpV6Header.WriteNeighborSolicitation(m, Local6, MacAddress.Parse("02:00:00:00:00:01"));
        m = m[..length];
        _ = IcmpV6Header.TryParse(m, out IcmpV6Header icmp);
        icmp.SetChecksum(Peer6, Local6);
        return m;
    }

    private static byte[] ExtensionHeader(byte next, int extraUnits)
    {
        byte[] h = new byte[8 * (1 + extraUnits)];
        h[0] = next;
        h[1] = (byte)extraUnits;
        h[2] = 1; // PadN over the rest
        h[3] = (byte)(h.Length - 4);
        return h;
    }

    private static byte[] RoutingHeader(byte next) => [next, 0, 0, 0, 0, 0, 0, 0];

    private static byte[] FragmentHeader(byte next, int offset, bool more, uint id)
    {
        byte[] h = new byte[Ipv6FragmentHeader.Length];
        Ipv6FragmentHeader.Write(h, next, offset, more, id);
        return h;
    }

    private static byte[] EthernetArp()
    {
        byte[] f = new byte[14 + 28];
        f[12] = 0x08; f[13] = 0x06;
        f[14] = 0; f[15] = 1; f[16] = 0x08; f[17] = 0; f[18] = 6; f[19] = 4; f[21] = 1;
        Peer4.WriteTo(f.AsSpan(28));
        Local4.WriteTo(f.AsSpan(38));
        return f;
    }

    private static byte[] Concat(params byte[][] parts)
    {
        byte[] all = new byte[parts.Sum(p => p.Length)];
        int at = 0;
        foreach (byte[] part in parts)
        {
            part.CopyTo(all, at);
            at += part.Length;
        }
        return all;
    }
}
