using Netstack.Buffers;
using Netstack.Stack;

namespace Netstack.Tests.Stack;

/// <summary>A transport handler for tests: records what the network layer hands it and releases the packets.</summary>
internal sealed class RecordingTransport(byte protocol) : ITransportHandler
{
    public byte Protocol => protocol;

    public List<(TransportPacketInfo Info, byte[] Bytes, OffloadInfo Offload)> Packets { get; } = [];

    public List<TransportErrorInfo> Errors { get; } = [];

    public TransportDisposition HandlePacket(in TransportPacketInfo info, PacketBuffer packet, in TransmitContext tx)
    {
        Packets.Add((info, packet.Span.ToArray(), packet.Offload));
        packet.Release();
        return TransportDisposition.Delivered;
    }

    public void HandleError(in TransportErrorInfo error) => Errors.Add(error);
}
