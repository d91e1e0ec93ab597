using Netstack.Wire;

namespace Netstack.Network;

/// <summary>
/// Processing of the TLV options in Hop-by-Hop and Destination Options headers (RFC 8200 §4.2): Pad1 and PadN
/// are skipped, and so is any option whose type's two high bits are 00; 01 discards the packet silently; 10 and
/// 11 discard it with a parameter problem (code 2) pointing at the option, 11 only when the destination was not
/// multicast. Router Alert (5, RFC 2711) is known and skipped.
/// </summary>
internal static class Ipv6Options
{
    private const byte Pad1 = 0;
    private const byte PadN = 1;
    private const byte RouterAlert = 5;

    /// <summary>The outcome of checking a packet's options.</summary>
    internal enum Verdict
    {
        Accept,
        Discard,
        DiscardWithError,
    }

    /// <summary>Checks every option header of <paramref name="packet"/> up to <paramref name="upperLayerOffset"/>; <paramref name="pointer"/> is the offending option's offset.</summary>
    public static Verdict Check(ReadOnlySpan<byte> packet, int upperLayerOffset, bool multicast, out int pointer)
    {
        pointer = 0;
        byte next = packet[Ipv6Header.NextHeaderOffset];
        int offset = Ipv6Header.Length;
        while (offset < upperLayerOffset && offset + 2 <= packet.Length)
        {
            int length = next == IpProtocol.Fragment ? Ipv6FragmentHeader.Length : (packet[offset + 1] + 1) * 8;
            if (offset + length > packet.Length)
            {
                return Verdict.Discard;
            }
            if (next is IpProtocol.HopByHop or IpProtocol.DestinationOptions)
            {
                Verdict v = CheckHeader(packet.Slice(offset, length), offset, multicast, out pointer);
                if (v != Verdict.Accept)
                {
                    return v;
                }
            }
            next = packet[offset];
            offset += length;
        }
        return Verdict.Accept;
    }

    private static Verdict CheckHeader(ReadOnlySpan<byte> header, int headerOffset, bool multicast, out int pointer)
    {
        pointer = 0;
        int i = 2;
        while (i < header.Length)
        {
            byte type = header[i];
            if (type == Pad1)
            {
                i++;
                continue;
            }
            if (i + 2 > header.Length || i + 2 + header[i + 1] > header.Length)
            {
                pointer = headerOffset + i;
                return Verdict.Discard; // an option running past its header
            }
            if (type != PadN && type != RouterAlert)
            {
                switch (type >> 6)
                {
                    case 1:
                        return Verdict.Discard;
                    case 2:
                        pointer = headerOffset + i;
                        return Verdict.DiscardWithError;
                    case 3:
                        pointer = headerOffset + i;
                        return multicast ? Verdict.Discard : Verdict.DiscardWithError;
                }
            }
            i += 2 + header[i + 1];
        }
        return Verdict.Accept;
    }
}
