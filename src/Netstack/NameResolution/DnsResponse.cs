using System.Buffers.Binary;
using System.Net;

namespace Netstack.NameResolution;

/// <summary>How a received message relates to the query it may answer.</summary>
internal enum DnsResponseMatch
{
    /// <summary>It answers the query (its rcode may still be an error).</summary>
    Answer,

    /// <summary>Not an answer to this query (wrong ID, not a response, another question, unreadable header): ignore it.</summary>
    NotOurs,

    /// <summary>It carries the query's ID and question but its records cannot be read: the server failed.</summary>
    Malformed,
}

/// <summary>
/// The part of a response a stub resolver uses (RFC 1035 §4.1): the rcode, the TC bit, and the addresses of the
/// queried type owned by the end of the CNAME chain that starts at the question's name (RFC 1034 §3.6.2), with the
/// smallest TTL of the records used.
/// </summary>
/// <remarks>
/// <see cref="TryParse"/> checks the answer against the query before reading records — the ID, the QR bit, opcode
/// QUERY and exactly the question asked (name case-insensitively, type, class IN) — so a stray or spoofed datagram is
/// ignored rather than believed. Every read is bounds-checked; nothing throws on hostile input. The authority and
/// additional sections are not read.
/// </remarks>
internal sealed class DnsResponse
{
    /// <summary>The most CNAME records followed from the question's name (glibc follows 16 too).</summary>
    public const int MaxChainLength = 16;

    private const ushort ResponseFlag = 0x8000;
    private const ushort OpcodeMask = 0x7800;
    private const ushort TruncatedFlag = 0x0200;

    private DnsResponse(DnsResponseCode responseCode, bool truncated, IPAddress[] addresses, uint ttl, string canonicalName)
    {
        ResponseCode = responseCode;
        Truncated = truncated;
        Addresses = addresses;
        TimeToLive = ttl;
        CanonicalName = canonicalName;
    }

    /// <summary>The response code.</summary>
    public DnsResponseCode ResponseCode { get; }

    /// <summary>The TC bit: the answer did not fit the datagram; ask again over TCP (RFC 1035 §4.2.1). Records are not read then.</summary>
    public bool Truncated { get; }

    /// <summary>The addresses found, in the order of the message (empty for an error, no data, or truncation).</summary>
    public IPAddress[] Addresses { get; }

    /// <summary>The smallest TTL, in seconds, of the CNAME and address records used (0 when there are none).</summary>
    public uint TimeToLive { get; }

    /// <summary>The name the addresses belong to: the question's name, or the end of its CNAME chain.</summary>
    public string CanonicalName { get; }

    /// <summary>Reads <paramref name="message"/> as the answer to the query (<paramref name="id"/>, <paramref name="name"/>, <paramref name="type"/>).</summary>
    public static DnsResponseMatch TryParse(ReadOnlySpan<byte> message, ushort id, string name, DnsRecordType type, out DnsResponse? response)
    {
        response = null;
        if (message.Length < DnsQuery.HeaderLength || BinaryPrimitives.ReadUInt16BigEndian(message) != id)
        {
            return DnsResponseMatch.NotOurs;
        }
        ushort flags = BinaryPrimitives.ReadUInt16BigEndian(message[2..]);
        if ((flags & ResponseFlag) == 0 || (flags & OpcodeMask) != 0)
        {
            return DnsResponseMatch.NotOurs;
        }
        var code = (DnsResponseCode)(flags & 0x000F);
        int questions = BinaryPrimitives.ReadUInt16BigEndian(message[4..]);
        if (questions == 0 && code != DnsResponseCode.NoError)
        {
            // RFC 1035 leaves the question out of some errors (FORMERR, NOTIMP): the ID is all there is to match.
            response = new DnsResponse(code, truncated: false, [], 0, name);
            return DnsResponseMatch.Answer;
        }
        if (questions != 1 || !QuestionMatches(message, name, type, out int at))
        {
            return DnsResponseMatch.NotOurs;
        }
        if ((flags & TruncatedFlag) != 0)
        {
            response = new DnsResponse(code, truncated: true, [], 0, name);
            return DnsResponseMatch.Answer;
        }
        int answers = BinaryPrimitives.ReadUInt16BigEndian(message[6..]);
        List<ResourceRecord>? records = ReadRecords(message, at, answers);
        if (records is null)
        {
            return DnsResponseMatch.Malformed;
        }
        if (code != DnsResponseCode.NoError)
        {
            response = new DnsResponse(code, truncated: false, [], 0, name);
            return DnsResponseMatch.Answer;
        }
        return FollowChain(message, records, name, type, out response) ? DnsResponseMatch.Answer : DnsResponseMatch.Malformed;
    }

    private static bool QuestionMatches(ReadOnlySpan<byte> message, string name, DnsRecordType type, out int end)
    {
        if (!DnsName.TryRead(message, DnsQuery.HeaderLength, out string asked, out end) || end + 4 > message.Length)
        {
            return false;
        }
        ushort askedType = BinaryPrimitives.ReadUInt16BigEndian(message[end..]);
        ushort askedClass = BinaryPrimitives.ReadUInt16BigEndian(message[(end + 2)..]);
        end += 4;
        return askedType == (ushort)type && askedClass == DnsQuery.ClassInternet && DnsName.AreEqual(asked, name);
    }

    /// <summary>One answer record: its owner, type, TTL and where its RDATA lies in the message.</summary>
    private readonly record struct ResourceRecord(string Owner, DnsRecordType Type, uint Ttl, int DataOffset, int DataLength);

    /// <summary>Reads <paramref name="count"/> records of class IN from <paramref name="at"/> (others are skipped); null when one runs past the message.</summary>
    private static List<ResourceRecord>? ReadRecords(ReadOnlySpan<byte> message, int at, int count)
    {
        var records = new List<ResourceRecord>(Math.Min(count, 16));
        for (int i = 0; i < count; i++)
        {
            if (!DnsName.TryRead(message, at, out string owner, out at) || at + 10 > message.Length)
            {
                return null;
            }
            ushort type = BinaryPrimitives.ReadUInt16BigEndian(message[at..]);
            ushort recordClass = BinaryPrimitives.ReadUInt16BigEndian(message[(at + 2)..]);
            uint ttl = BinaryPrimitives.ReadUInt32BigEndian(message[(at + 4)..]);
            int length = BinaryPrimitives.ReadUInt16BigEndian(message[(at + 8)..]);
            at += 10;
            if (at + length > message.Length)
            {
                return null;
            }
            if (recordClass == DnsQuery.ClassInternet)
            {
                // RFC 2181 §8: a TTL with the top bit set is treated as zero.
                records.Add(new ResourceRecord(owner, (DnsRecordType)type, ttl > int.MaxValue ? 0 : ttl, at, length));
            }
            at += length;
        }
        return records;
    }

    /// <summary>Follows CNAMEs from <paramref name="name"/> and collects the addresses of the chain's end; false when a record's data is malformed.</summary>
    private static bool FollowChain(ReadOnlySpan<byte> message, List<ResourceRecord> records, string name, DnsRecordType type, out DnsResponse? response)
    {
        response = null;
        string current = name;
        uint ttl = uint.MaxValue;
        for (int hops = 0; ; hops++)
        {
            int alias = records.FindIndex(r => r.Type == DnsRecordType.CName && DnsName.AreEqual(r.Owner, current));
            if (alias < 0 || hops == MaxChainLength)
            {
                break; // the end of the chain (or a chain too long or looping: take what the last name has)
            }
            ResourceRecord record = records[alias];
            if (!DnsName.TryRead(message, record.DataOffset, out current, out int end) || end != record.DataOffset + record.DataLength)
            {
                return false;
            }
            ttl = Math.Min(ttl, record.Ttl);
        }
        int size = type == DnsRecordType.A ? 4 : 16;
        var addresses = new List<IPAddress>();
        foreach (ResourceRecord record in records)
        {
            if (record.Type != type || !DnsName.AreEqual(record.Owner, current))
            {
                continue;
            }
            if (record.DataLength != size)
            {
                return false;
            }
            addresses.Add(new IPAddress(message.Slice(record.DataOffset, size)));
            ttl = Math.Min(ttl, record.Ttl);
        }
        response = new DnsResponse(DnsResponseCode.NoError, truncated: false, [.. addresses], ttl == uint.MaxValue ? 0 : ttl, current);
        return true;
    }
}
