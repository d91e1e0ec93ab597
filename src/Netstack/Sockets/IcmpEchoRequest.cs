using System.Net;
using System.Net.Sockets;
using Netstack.Stack;
using Netstack.Wire;

namespace Netstack.Sockets;

/// <summary>An echo request (ping) to an address that is not the stack's own, held by an echo forwarder (<see cref="ForwardingExtensions.ForwardIcmpEcho"/>).</summary>
public sealed class IcmpEchoRequest
{
    private readonly NetStack _stack;
    private readonly NetAddress _source;
    private readonly NetAddress _destination;

    internal IcmpEchoRequest(NetStack stack, NetAddress source, NetAddress destination, ushort identifier, ushort sequence, byte[] data)
    {
        _stack = stack;
        _source = source;
        _destination = destination;
        Identifier = identifier;
        SequenceNumber = sequence;
        Data = data;
        Source = source.ToIPAddress();
        Destination = destination.ToIPAddress();
    }

    /// <summary>Who pings.</summary>
    public IPAddress Source { get; }

    /// <summary>Whom it pings.</summary>
    public IPAddress Destination { get; }

    /// <summary>The echo identifier (RFC 792, RFC 4443 §4.1), which a reply must carry back.</summary>
    public ushort Identifier { get; }

    /// <summary>The echo sequence number, which a reply must carry back.</summary>
    public ushort SequenceNumber { get; }

    /// <summary>The request's data, which a reply echoes.</summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>Answers with an echo reply from <see cref="Destination"/> carrying <paramref name="data"/> (the far host's reply data).</summary>
    public SocketError Reply(ReadOnlySpan<byte> data) => _destination.IsV6
        ? _stack.Ipv6.Icmp.SendEchoReply(_destination, _source, Identifier, SequenceNumber, data)
        : _stack.Ipv4.Icmp.SendEchoReply(_destination, _source, Identifier, SequenceNumber, data);

    /// <summary>Answers with the request's own data.</summary>
    public SocketError Reply() => Reply(Data.Span);

    /// <summary>"echo SOURCE -> DESTINATION id N seq N".</summary>
    public override string ToString() => $"echo {Source} -> {Destination} id {Identifier} seq {SequenceNumber}";
}
