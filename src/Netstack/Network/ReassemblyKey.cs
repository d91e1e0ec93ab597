using Netstack.Wire;

namespace Netstack.Network;

/// <summary>What identifies the fragments of one datagram: RFC 791 (source, destination, protocol, identification), RFC 8200 §4.5 (source, destination, identification).</summary>
internal readonly record struct ReassemblyKey(NetAddress Source, NetAddress Destination, uint Identification, byte Protocol);
