using Netstack.Buffers;
using Netstack.Wire;
using System.Buffers.Binary;

namespace Netstack.Link;

/// <summary>
/// Completes a partial transport checksum in software, as Linux's <c>skb_checksum_help</c> does for a device
/// without checksum offload: the field at <see cref="OffloadInfo.ChecksumStart"/> + <see cref="OffloadInfo.ChecksumOffset"/>
/// holds the folded pseudo-header sum, and the checksum covers everything from <see cref="OffloadInfo.ChecksumStart"/> to the end.
/// </summary>
internal static class ChecksumHelp
{
    /// <summary>Fills in the checksum and clears <see cref="OffloadInfo.NeedsChecksum"/>; returns false (packet untouched) when the offsets do not fit.</summary>
    public static bool TryComplete(PacketBuffer packet)
    {
        Span<byte> bytes = packet.Span;
        int start = packet.Offload.ChecksumStart;
        int field = start + packet.Offload.ChecksumOffset;
        if (start > bytes.Length || field + 2 > bytes.Length)
        {
            return false;
        }
        ushort sum = Checksum.Finish(Checksum.Add(bytes[start..]));
        // UDP transmits a computed zero as all ones (RFC 768); for TCP 0 and 0xFFFF are the same sum.
        BinaryPrimitives.WriteUInt16BigEndian(bytes.Slice(field, 2), sum == 0 ? (ushort)0xFFFF : sum);
        packet.Offload.NeedsChecksum = false;
        return true;
    }
}
