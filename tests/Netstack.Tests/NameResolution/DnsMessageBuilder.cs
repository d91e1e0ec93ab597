using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace Netstack.Tests.NameResolution;

/// <summary>
/// Writes DNS messages byte by byte for the tests, independently of the library's codec: a header, the question,
/// then answer records whose owner is a name or a compression pointer (0xC00C points at the question's name).
/// </summary>
internal sealed class DnsMessageBuilder
{
    public const ushort PointerToQuestion = 0xC00C;

    private readonly List<byte> _bytes = [];
    private int _answers;

    public DnsMessageBuilder(ushort id, ushort flags, string? question, ushort type, ushort questionCount = 1)
    {
        U16(id);
        U16(flags);
        U16(question is null ? (ushort)0 : questionCount);
        U16(0);
        U16(0);
        U16(0);
        if (question is not null)
        {
            Name(question);
            U16(type);
            U16(1);
        }
    }

    /// <summary>A response header's flags: QR, RD, RA, the rcode, TC when asked.</summary>
    public static ushort ResponseFlags(int rcode = 0, bool truncated = false) => (ushort)(0x8180 | rcode | (truncated ? 0x0200 : 0));

    public int Length => _bytes.Count;

    public DnsMessageBuilder Name(string name)
    {
        foreach (string label in name.TrimEnd('.').Split('.'))
        {
            _bytes.Add((byte)label.Length);
            _bytes.AddRange(Encoding.ASCII.GetBytes(label));
        }
        _bytes.Add(0);
        return this;
    }

    public DnsMessageBuilder U16(ushort value)
    {
        _bytes.Add((byte)(value >> 8));
        _bytes.Add((byte)value);
        return this;
    }

    public DnsMessageBuilder Raw(params byte[] bytes)
    {
        _bytes.AddRange(bytes);
        return this;
    }

    /// <summary>An answer record owned by <paramref name="owner"/> (a name) or by the question's name when null.</summary>
    public DnsMessageBuilder Record(string? owner, ushort type, uint ttl, byte[] data, ushort recordClass = 1)
    {
        if (owner is null)
        {
            U16(PointerToQuestion);
        }
        else
        {
            Name(owner);
        }
        U16(type);
        U16(recordClass);
        U16((ushort)(ttl >> 16));
        U16((ushort)ttl);
        U16((ushort)data.Length);
        _bytes.AddRange(data);
        _answers++;
        return this;
    }

    public DnsMessageBuilder Address(string? owner, IPAddress address, uint ttl = 60) =>
        Record(owner, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? (ushort)1 : (ushort)28, ttl, address.GetAddressBytes());

    public DnsMessageBuilder CName(string? owner, string target, uint ttl = 60)
    {
        var name = new DnsMessageBuilder(0, 0, null, 0);
        name._bytes.Clear();
        name.Name(target);
        return Record(owner, 5, ttl, [.. name._bytes]);
    }

    /// <summary>The message, with ANCOUNT set to the records added (or <paramref name="answerCount"/>).</summary>
    public byte[] Build(int? answerCount = null)
    {
        byte[] message = [.. _bytes];
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(6), (ushort)(answerCount ?? _answers));
        return message;
    }
}
