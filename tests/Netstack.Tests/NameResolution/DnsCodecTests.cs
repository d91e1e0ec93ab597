using System.Net;
using Netstack.NameResolution;

namespace Netstack.Tests.NameResolution;

/// <summary>The DNS message codec: queries as RFC 1035 §4.1 lays them out, answers read with compression, and hostile input.</summary>
public class DnsCodecTests
{
    private const ushort Id = 0x1234;
    private static readonly ushort Ok = DnsMessageBuilder.ResponseFlags();

    [Fact]
    public void A_query_is_laid_out_as_rfc_1035_says()
    {
        byte[] buffer = new byte[DnsQuery.MaxLength];
        int length = DnsQuery.Write(buffer, Id, "www.Example.com.", DnsRecordType.Aaaa);
        byte[] expected =
        [
            0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, // ID, RD, QDCOUNT 1
            3, (byte)'w', (byte)'w', (byte)'w', 7, (byte)'E', (byte)'x', (byte)'a', (byte)'m', (byte)'p', (byte)'l', (byte)'e',
            3, (byte)'c', (byte)'o', (byte)'m', 0,
            0, 28, 0, 1, // AAAA, IN
        ];
        Assert.Equal(expected, buffer.AsSpan(0, length).ToArray());
    }

    [Theory]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("a..b")]
    [InlineData(".a")]
    [InlineData("a b")]
    [InlineData("caf\u00e9.test")]
    [InlineData("back\\slash.test")]
    public void Names_that_cannot_be_queried_are_rejected(string name)
    {
        Assert.False(DnsName.IsValid(name));
        Assert.Throws<ArgumentException>(() => DnsQuery.Write(new byte[DnsQuery.MaxLength], Id, name, DnsRecordType.A));
    }

    [Fact]
    public void Label_and_name_length_limits_are_those_of_rfc_1035()
    {
        Assert.True(DnsName.IsValid(new string('a', 63) + ".test"));
        Assert.False(DnsName.IsValid(new string('a', 64) + ".test"));
        string longest = string.Join('.', Enumerable.Repeat(new string('a', 63), 3)) + "." + new string('b', 61); // 255 octets
        Assert.Equal(255, DnsName.GetWireLength(longest));
        Assert.False(DnsName.IsValid(longest + "b"));
    }

    [Fact]
    public void Addresses_are_read_with_the_owner_compressed_to_the_question()
    {
        byte[] message = new DnsMessageBuilder(Id, Ok, "host.test", 1)
            .Address(null, IPAddress.Parse("192.0.2.1"), ttl: 300)
            .Address("HOST.test", IPAddress.Parse("192.0.2.2"), ttl: 30)
            .Address("other.test", IPAddress.Parse("192.0.2.3"))
            .Build();
        Assert.Equal(DnsResponseMatch.Answer, DnsResponse.TryParse(message, Id, "host.test", DnsRecordType.A, out DnsResponse? response));
        Assert.Equal([IPAddress.Parse("192.0.2.1"), IPAddress.Parse("192.0.2.2")], response!.Addresses);
        Assert.Equal(30u, response.TimeToLive);
        Assert.Equal(DnsResponseCode.NoError, response.ResponseCode);
    }

    [Fact]
    public void A_cname_chain_is_followed_to_the_addresses_of_its_end()
    {
        byte[] message = new DnsMessageBuilder(Id, Ok, "www.test", 28)
            .Address("b.test", IPAddress.Parse("2001:db8::b"), ttl: 50)     // order within the section does not matter
            .CName(null, "a.test", ttl: 100)
            .Address("www.test", IPAddress.Parse("2001:db8::bad"))           // the alias owns no address (RFC 1034 §3.6.2)
            .CName("a.test", "b.test", ttl: 20)
            .Build();
        Assert.Equal(DnsResponseMatch.Answer, DnsResponse.TryParse(message, Id, "www.test", DnsRecordType.Aaaa, out DnsResponse? response));
        Assert.Equal([IPAddress.Parse("2001:db8::b")], response!.Addresses);
        Assert.Equal("b.test", response.CanonicalName);
        Assert.Equal(20u, response.TimeToLive);
    }

    [Fact]
    public void A_cname_target_may_itself_be_compressed()
    {
        // CNAME RDATA = "alias" + pointer to the question's "test" label (offset 12 + 1 + 4 = 17).
        byte[] message = new DnsMessageBuilder(Id, Ok, "host.test", 1)
            .Record(null, 5, 60, [5, (byte)'a', (byte)'l', (byte)'i', (byte)'a', (byte)'s', 0xC0, 17])
            .Address("alias.test", IPAddress.Parse("192.0.2.9"))
            .Build();
        Assert.Equal(DnsResponseMatch.Answer, DnsResponse.TryParse(message, Id, "host.test", DnsRecordType.A, out DnsResponse? response));
        Assert.Equal("alias.test", response!.CanonicalName);
        Assert.Equal([IPAddress.Parse("192.0.2.9")], response.Addresses);
    }

    [Fact]
    public void A_cname_loop_ends_without_addresses()
    {
        byte[] message = new DnsMessageBuilder(Id, Ok, "a.test", 1)
            .CName("a.test", "b.test")
            .CName("b.test", "a.test")
            .Build();
        Assert.Equal(DnsResponseMatch.Answer, DnsResponse.TryParse(message, Id, "a.test", DnsRecordType.A, out DnsResponse? response));
        Assert.Empty(response!.Addresses);
    }

    [Theory]
    [InlineData(0x4321, 0x8180, "host.test", 1)] // another ID
    [InlineData(Id, 0x0100, "host.test", 1)]     // a query, not a response
    [InlineData(Id, 0x8980, "host.test", 1)]     // opcode IQUERY
    [InlineData(Id, 0x8180, "other.test", 1)]    // another question
    [InlineData(Id, 0x8180, "host.test", 28)]    // another type
    public void Messages_that_do_not_answer_the_query_are_not_ours(int id, int flags, string question, int type)
    {
        byte[] message = new DnsMessageBuilder((ushort)id, (ushort)flags, question, (ushort)type).Address(null, IPAddress.Parse("6.6.6.6")).Build();
        Assert.Equal(DnsResponseMatch.NotOurs, DnsResponse.TryParse(message, Id, "host.test", DnsRecordType.A, out _));
    }

    [Fact]
    public void The_question_matches_whatever_its_case()
    {
        byte[] message = new DnsMessageBuilder(Id, Ok, "HoSt.TeSt", 1).Address(null, IPAddress.Parse("192.0.2.1")).Build();
        Assert.Equal(DnsResponseMatch.Answer, DnsResponse.TryParse(message, Id, "host.test.", DnsRecordType.A, out _));
    }

    [Theory]
    [InlineData(3)] // NXDOMAIN
    [InlineData(2)] // SERVFAIL
    [InlineData(5)] // REFUSED
    public void Error_codes_come_through(int rcode)
    {
        byte[] message = new DnsMessageBuilder(Id, DnsMessageBuilder.ResponseFlags(rcode), "host.test", 1).Build();
        Assert.Equal(DnsResponseMatch.Answer, DnsResponse.TryParse(message, Id, "host.test", DnsRecordType.A, out DnsResponse? response));
        Assert.Equal((DnsResponseCode)rcode, response!.ResponseCode);
        Assert.Empty(response.Addresses);
    }

    [Fact]
    public void A_formerr_without_a_question_is_an_answer_by_its_id()
    {
        byte[] message = new DnsMessageBuilder(Id, DnsMessageBuilder.ResponseFlags(1), null, 0).Build();
        Assert.Equal(DnsResponseMatch.Answer, DnsResponse.TryParse(message, Id, "host.test", DnsRecordType.A, out DnsResponse? response));
        Assert.Equal(DnsResponseCode.FormatError, response!.ResponseCode);
        // Without a question and without an error it proves nothing: not ours.
        byte[] empty = new DnsMessageBuilder(Id, Ok, null, 0).Build();
        Assert.Equal(DnsResponseMatch.NotOurs, DnsResponse.TryParse(empty, Id, "host.test", DnsRecordType.A, out _));
    }

    [Fact]
    public void The_tc_bit_marks_the_answer_truncated_and_no_records_are_read()
    {
        // A truncated answer may end mid-record: it must not be read as malformed.
        byte[] message = new DnsMessageBuilder(Id, DnsMessageBuilder.ResponseFlags(truncated: true), "host.test", 1)
            .Address(null, IPAddress.Parse("192.0.2.1")).Build(answerCount: 7);
        Assert.Equal(DnsResponseMatch.Answer, DnsResponse.TryParse(message, Id, "host.test", DnsRecordType.A, out DnsResponse? response));
        Assert.True(response!.Truncated);
        Assert.Empty(response.Addresses);
    }

    [Fact]
    public void Every_truncation_of_an_answer_is_rejected_without_throwing()
    {
        byte[] message = new DnsMessageBuilder(Id, Ok, "host.test", 1)
            .CName(null, "alias.test")
            .Address("alias.test", IPAddress.Parse("192.0.2.1"))
            .Build();
        for (int length = 0; length < message.Length; length++)
        {
            DnsResponseMatch match = DnsResponse.TryParse(message.AsSpan(0, length), Id, "host.test", DnsRecordType.A, out DnsResponse? response);
            Assert.NotEqual(DnsResponseMatch.Answer, match);
            Assert.Null(response);
        }
    }

    [Fact]
    public void An_address_of_the_wrong_size_makes_the_answer_malformed()
    {
        byte[] message = new DnsMessageBuilder(Id, Ok, "host.test", 1).Record(null, 1, 60, [192, 0, 2, 1, 0]).Build();
        Assert.Equal(DnsResponseMatch.Malformed, DnsResponse.TryParse(message, Id, "host.test", DnsRecordType.A, out _));
    }

    [Fact]
    public void Records_of_other_classes_are_skipped()
    {
        byte[] message = new DnsMessageBuilder(Id, Ok, "host.test", 1)
            .Record(null, 1, 60, [6, 6, 6, 6], recordClass: 3) // CHAOS
            .Address(null, IPAddress.Parse("192.0.2.1"))
            .Build();
        Assert.Equal(DnsResponseMatch.Answer, DnsResponse.TryParse(message, Id, "host.test", DnsRecordType.A, out DnsResponse? response));
        Assert.Equal([IPAddress.Parse("192.0.2.1")], response!.Addresses);
    }

    [Fact]
    public void A_ttl_with_the_top_bit_set_counts_as_zero()
    {
        byte[] message = new DnsMessageBuilder(Id, Ok, "host.test", 1).Address(null, IPAddress.Parse("192.0.2.1"), ttl: 0x80000000).Build();
        DnsResponse.TryParse(message, Id, "host.test", DnsRecordType.A, out DnsResponse? response);
        Assert.Equal(0u, response!.TimeToLive);
    }

    [Theory]
    [InlineData(new byte[] { 0xC0, 12 })]                 // points at itself
    [InlineData(new byte[] { 0xC0, 14 })]                 // points forward (at the next pointer)
    [InlineData(new byte[] { 1, (byte)'a', 0xC0, 12 })]   // a label, then back to its own start: a loop
    [InlineData(new byte[] { 0x40, 0 })]                  // label type 01
    [InlineData(new byte[] { 0x80, 0 })]                  // label type 10
    [InlineData(new byte[] { 5, (byte)'a' })]             // a label past the end
    [InlineData(new byte[] { 0xC0 })]                     // half a pointer
    [InlineData(new byte[] { 1, (byte)'a' })]             // no terminating zero
    public void Hostile_names_are_rejected(byte[] name)
    {
        byte[] message = new byte[12 + name.Length];
        name.CopyTo(message, 12);
        Assert.False(DnsName.TryRead(message, 12, out _, out _));
    }

    [Fact]
    public void Mutually_pointing_names_are_rejected()
    {
        // Name at 12 points to 14, name at 14 points to 12: each pointer alone points "elsewhere".
        byte[] message = new byte[16];
        message[12] = 0xC0;
        message[13] = 14;
        message[14] = 0xC0;
        message[15] = 12;
        Assert.False(DnsName.TryRead(message, 12, out _, out _));
        Assert.False(DnsName.TryRead(message, 14, out _, out _));
    }

    [Fact]
    public void A_name_longer_than_255_octets_through_pointers_is_rejected()
    {
        // 140 names "a" + pointer written back to back, each pointing at the one before: legal
        // pointers, but the last name decodes to 141 labels, 283 octets: beyond the limit.
        var bytes = new List<byte>(new byte[12]) { 1, (byte)'a', 0 };
        int previous = 12;
        for (int i = 0; i < 140; i++)
        {
            int start = bytes.Count;
            bytes.AddRange([1, (byte)'a', (byte)(0xC0 | (previous >> 8)), (byte)previous]);
            previous = start;
        }
        Assert.False(DnsName.TryRead(bytes.ToArray(), previous, out _, out _));
        Assert.True(DnsName.TryRead(bytes.ToArray(), 15, out string shortName, out int end));
        Assert.Equal("a.a", shortName);
        Assert.Equal(19, end);
    }

    [Fact]
    public void Odd_bytes_in_labels_are_escaped_so_names_stay_distinct()
    {
        byte[] message = [.. new byte[12], 3, (byte)'a', (byte)'.', (byte)'b', 1, 0xFF, 0];
        Assert.True(DnsName.TryRead(message, 12, out string name, out _));
        Assert.Equal(@"a\.b.\255", name);
        Assert.False(DnsName.AreEqual(name, "a.b.\u00ff"));
    }

    [Fact]
    public void Random_and_mutated_messages_never_throw()
    {
        var random = new Random(12);
        byte[] valid = new DnsMessageBuilder(Id, Ok, "host.test", 1)
            .CName(null, "alias.test")
            .Address("alias.test", IPAddress.Parse("192.0.2.1"))
            .Build();
        for (int i = 0; i < 20_000; i++)
        {
            byte[] message;
            if (i % 2 == 0)
            {
                message = (byte[])valid.Clone();
                for (int flips = random.Next(1, 4); flips > 0; flips--)
                {
                    message[random.Next(message.Length)] = (byte)random.Next(256);
                }
            }
            else
            {
                message = new byte[random.Next(12, 80)];
                random.NextBytes(message);
                message[0] = Id >> 8;
                message[1] = Id & 0xFF;
                message[2] |= 0x80;
                message[4] = 0;
                message[5] = 1;
            }
            DnsResponse.TryParse(message, Id, "host.test", DnsRecordType.A, out _); // must return, whatever it says
        }
    }
}
