using System.Buffers.Binary;
using System.Text.Json;

namespace Netstack.Cli.Bench.Iperf3;

/// <summary>
/// Framing on the iperf3 control connection: state bytes, the cookie, and JSON messages sent as a 4-byte
/// big-endian length followed by that many bytes of UTF-8 JSON (JSON_write/JSON_read in iperf_api.c).
/// </summary>
public static class Iperf3Control
{
    /// <summary>Larger JSON messages are refused: a peer that sends one is broken or hostile.</summary>
    public const int MaxJsonLength = 1 << 20;

    public static async ValueTask WriteStateAsync(Stream stream, Iperf3State state, CancellationToken cancellationToken)
    {
        byte[] b = [(byte)(sbyte)state];
        await stream.WriteAsync(b, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads one state byte; null when the peer closed the connection.</summary>
    public static async ValueTask<Iperf3State?> ReadStateAsync(Stream stream, CancellationToken cancellationToken)
    {
        var b = new byte[1];
        int n = await stream.ReadAsync(b, cancellationToken).ConfigureAwait(false);
        return n == 0 ? null : (Iperf3State)(sbyte)b[0];
    }

    /// <summary>Reads exactly <see cref="Iperf3Cookie.Size"/> bytes; null when the peer closed first.</summary>
    public static async ValueTask<byte[]?> ReadCookieAsync(Stream stream, CancellationToken cancellationToken)
    {
        var cookie = new byte[Iperf3Cookie.Size];
        int got = await stream.ReadAtLeastAsync(cookie, cookie.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        return got == cookie.Length ? cookie : null;
    }

    public static async ValueTask WriteJsonAsync(Stream stream, byte[] json, CancellationToken cancellationToken)
    {
        var message = new byte[4 + json.Length];
        BinaryPrimitives.WriteInt32BigEndian(message, json.Length);
        json.CopyTo(message, 4);
        await stream.WriteAsync(message, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads one length-prefixed JSON message.</summary>
    /// <exception cref="Iperf3ProtocolException">The connection closed, or the length or the JSON is invalid.</exception>
    public static async ValueTask<JsonDocument> ReadJsonAsync(Stream stream, CancellationToken cancellationToken)
    {
        var header = new byte[4];
        if (await stream.ReadAtLeastAsync(header, 4, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false) < 4)
        {
            throw new Iperf3ProtocolException("the control connection closed before a JSON message.");
        }
        int length = BinaryPrimitives.ReadInt32BigEndian(header);
        if (length is <= 0 or > MaxJsonLength)
        {
            throw new Iperf3ProtocolException($"a JSON message of {length} bytes is out of range.");
        }
        var body = new byte[length];
        if (await stream.ReadAtLeastAsync(body, length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false) < length)
        {
            throw new Iperf3ProtocolException("the control connection closed inside a JSON message.");
        }
        try
        {
            return JsonDocument.Parse(body);
        }
        catch (JsonException e)
        {
            throw new Iperf3ProtocolException("the peer sent invalid JSON: " + e.Message, e);
        }
    }
}

/// <summary>The iperf3 peer broke the protocol (closed early, sent an unexpected state or invalid JSON).</summary>
public sealed class Iperf3ProtocolException : Exception
{
    public Iperf3ProtocolException()
    {
    }

    public Iperf3ProtocolException(string message)
        : base(message)
    {
    }

    public Iperf3ProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
