using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks.Sources;
using Netstack.Wire;

namespace Netstack.Sockets;

/// <summary>
/// The allocation-free datagram API, as <see cref="Socket"/> has it since .NET 8: the sender's address is written into a
/// <see cref="SocketAddress"/> the caller keeps and reuses, so a receive creates no <see cref="IPEndPoint"/>, and a send
/// reads its destination from one without parsing an <see cref="IPAddress"/>.
/// </summary>
public sealed partial class UdpSocket
{
    // sockaddr_in and sockaddr_in6 (RFC 3493 §3.3): the family's bytes first (their encoding differs between platforms
    // and is left as SocketAddress wrote it), then the same offsets everywhere.
    private const int PortOffset = 2;
    private const int V4AddressOffset = 4;
    private const int V4Size = 16;
    private const int V6FlowInfoOffset = 4;
    private const int V6AddressOffset = 8;
    private const int V6ScopeIdOffset = 24;
    private const int V6Size = 28;

    private AddressReceive? _addressReceive;

    /// <summary>
    /// Receives one datagram into <paramref name="buffer"/> and writes its sender into <paramref name="receivedAddress"/>,
    /// waiting until one arrives; the same contract as <see cref="Socket.ReceiveFromAsync(Memory{byte}, SocketFlags, SocketAddress, CancellationToken)"/>.
    /// Nothing is allocated per datagram: reuse one <see cref="SocketAddress"/> (for example
    /// <c>new SocketAddress(AddressFamily.InterNetwork)</c>) and turn it into an endpoint only when needed
    /// (<see cref="IPEndPoint.Create(SocketAddress)"/>).
    /// </summary>
    /// <param name="buffer">Where the datagram is copied; a longer datagram is truncated, as <c>recvfrom</c> does.</param>
    /// <param name="socketFlags">Must be <see cref="SocketFlags.None"/>.</param>
    /// <param name="receivedAddress">
    /// Of this socket's <see cref="AddressFamily"/> and at least <see cref="SocketAddress.GetMaximumAddressSize"/> bytes;
    /// on completion it holds the sender and its <see cref="SocketAddress.Size"/> is that of the family's address.
    /// </param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The number of bytes copied into <paramref name="buffer"/>.</returns>
    /// <exception cref="ArgumentException"><paramref name="receivedAddress"/> is of another family or too small.</exception>
    /// <exception cref="SocketException">OperationNotSupported for flags other than None.</exception>
    /// <exception cref="InvalidOperationException">
    /// Another receive is outstanding, or <see cref="ReceiveCoalesced"/> is set (a coalesced receive needs its segment
    /// size, which only <see cref="ReceiveFromAsync(Memory{byte}, CancellationToken)"/> reports).
    /// </exception>
    public ValueTask<int> ReceiveFromAsync(Memory<byte> buffer, SocketFlags socketFlags, SocketAddress receivedAddress, CancellationToken cancellationToken = default)
    {
        ThrowIfUnsupported(socketFlags);
        ValidateSocketAddress(receivedAddress, nameof(receivedAddress));
        if (ReceiveCoalesced)
        {
            throw new InvalidOperationException("A socket with ReceiveCoalesced set reports segment sizes: receive with ReceiveFromAsync(Memory<byte>, CancellationToken).");
        }
        lock (_lock)
        {
            if (ReceiveFailureLocked() is Exception failure)
            {
                return ValueTask.FromException<int>(failure);
            }
            if (_count > 0)
            {
                int n = DequeueLocked(buffer.Span, out NetAddress address, out ushort port, out _);
                WriteSocketAddress(receivedAddress, address, port);
                return new ValueTask<int>(n);
            }
            if (cancellationToken.IsCancellationRequested)
            {
                return ValueTask.FromCanceled<int>(cancellationToken);
            }
            WaitLocked(buffer, receivedAddress, cancellationToken);
            return new ValueTask<int>(_addressReceive ??= new AddressReceive(this), _source.Version);
        }
    }

    /// <summary>
    /// Sends one datagram to the endpoint in <paramref name="socketAddress"/> (several with <see cref="SendSegmentSize"/>);
    /// the same contract as <see cref="Socket.SendToAsync(ReadOnlyMemory{byte}, SocketFlags, SocketAddress, CancellationToken)"/>.
    /// Completes synchronously and allocates nothing when the send succeeds.
    /// </summary>
    /// <param name="buffer">The payload.</param>
    /// <param name="socketFlags">Must be <see cref="SocketFlags.None"/>.</param>
    /// <param name="socketAddress">The destination, of this socket's <see cref="AddressFamily"/> (for example <see cref="EndPoint.Serialize"/> of an <see cref="IPEndPoint"/>, kept and reused).</param>
    /// <param name="cancellationToken">A cancelled token fails the send before anything goes out.</param>
    /// <returns>The number of bytes sent.</returns>
    /// <exception cref="ArgumentException"><paramref name="socketAddress"/> is of another family or too small.</exception>
    /// <exception cref="SocketException">OperationNotSupported for flags other than None.</exception>
    public ValueTask<int> SendToAsync(ReadOnlyMemory<byte> buffer, SocketFlags socketFlags, SocketAddress socketAddress, CancellationToken cancellationToken = default)
    {
        ThrowIfUnsupported(socketFlags);
        ValidateSocketAddress(socketAddress, nameof(socketAddress));
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<int>(cancellationToken);
        }
        ReadOnlySpan<byte> bytes = socketAddress.Buffer.Span;
        ushort port = BinaryPrimitives.ReadUInt16BigEndian(bytes[PortOffset..]);
        NetAddress remote = IsV6 ? NetAddress.ReadV6(bytes[V6AddressOffset..]) : NetAddress.ReadV4(bytes[V4AddressOffset..]);
        SocketError error = SendTo(buffer.Span, remote, port);
        return error == SocketError.Success ? new ValueTask<int>(buffer.Length) : ValueTask.FromException<int>(new SocketException((int)error));
    }

    /// <summary>
    /// What an arrival completes a waiting receive with: for <see cref="ReceiveFromAsync(Memory{byte}, SocketFlags, SocketAddress, CancellationToken)"/>
    /// the sender goes into the caller's <see cref="SocketAddress"/> and the result carries no endpoint (only its byte
    /// count is read); otherwise an <see cref="IPEndPoint"/> is made.
    /// </summary>
    private UdpReceiveFromResult ResultLocked(int bytes, NetAddress address, ushort port, int segmentSize)
    {
        if (_pendingAddress is SocketAddress target)
        {
            WriteSocketAddress(target, address, port);
            return new UdpReceiveFromResult(bytes, null!);
        }
        return new UdpReceiveFromResult(bytes, new IPEndPoint(address.ToIPAddress(), port)) { SegmentSize = segmentSize };
    }

    private void ValidateSocketAddress(SocketAddress socketAddress, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(socketAddress, parameterName);
        if (socketAddress.Family != AddressFamily)
        {
            throw new ArgumentException($"The address is of family {socketAddress.Family}; the socket is {AddressFamily}.", parameterName);
        }
        if (socketAddress.Size < (IsV6 ? V6Size : V4Size))
        {
            throw new ArgumentException($"The address holds {socketAddress.Size} bytes; {AddressFamily} needs {(IsV6 ? V6Size : V4Size)}.", parameterName);
        }
    }

    private static void ThrowIfUnsupported(SocketFlags socketFlags)
    {
        if (socketFlags != SocketFlags.None)
        {
            throw new SocketException((int)SocketError.OperationNotSupported);
        }
    }

    /// <summary>Writes <paramref name="address"/> and <paramref name="port"/> as the sockaddr_in(6) the family bytes already name.</summary>
    private static void WriteSocketAddress(SocketAddress target, NetAddress address, ushort port)
    {
        Span<byte> bytes = target.Buffer.Span;
        BinaryPrimitives.WriteUInt16BigEndian(bytes[PortOffset..], port);
        if (address.IsV6)
        {
            bytes[V6FlowInfoOffset..V6AddressOffset].Clear();
            address.WriteTo(bytes[V6AddressOffset..]);
            bytes[V6ScopeIdOffset..V6Size].Clear();
            target.Size = V6Size;
        }
        else
        {
            address.WriteTo(bytes[V4AddressOffset..]);
            bytes[(V4AddressOffset + 4)..V4Size].Clear(); // sin_zero
            target.Size = V4Size;
        }
    }

    /// <summary>The <see cref="IValueTaskSource{TResult}"/> of the <see cref="SocketAddress"/> receive: the socket's own completion, read as a byte count.</summary>
    private sealed class AddressReceive(UdpSocket socket) : IValueTaskSource<int>
    {
        public int GetResult(short token) => socket._source.GetResult(token).ReceivedBytes;

        public ValueTaskSourceStatus GetStatus(short token) => socket._source.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            socket._source.OnCompleted(continuation, state, token, flags);
    }
}
