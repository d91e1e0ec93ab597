using Netstack.Buffers;

namespace Netstack.Stack;

/// <summary>What a <see cref="TransmitQueue"/> writes through: the stack's interfaces, or a test's recorder.</summary>
internal interface IOrderedPacketWriter
{
    /// <summary>Writes a batch of IP packets that carry their interface ids, keeping their order; consumes the references.</summary>
    void WriteInOrder(PacketBatch batch);
}
