using System.Text;
using System.Text.Json;
using Netstack.Cli.Bench.Iperf3;

namespace Netstack.Cli.Tests;

/// <summary>The iperf3 control messages: framing, the parameters a stock client sends, and the results both sides exchange.</summary>
public class Iperf3MessageTests
{
    // The shape iperf3 3.12 sends for "iperf3 -c HOST -R -P 4 -t 3" (send_parameters; the start checked against a capture).
    private const string StockParameters =
        """{"tcp":true,"omit":0,"time":3,"num":0,"blockcount":0,"parallel":4,"reverse":true,"len":131072,"pacing_timer":1000,"client_version":"3.12"}""";

    [Fact]
    public void The_stock_clients_parameters_parse()
    {
        using JsonDocument json = JsonDocument.Parse(StockParameters);
        Assert.True(Iperf3Parameters.TryParse(json.RootElement, out Iperf3Parameters p, out string? error), error);
        Assert.True(p.Tcp);
        Assert.False(p.Udp);
        Assert.True(p.Reverse);
        Assert.Equal(4, p.Parallel);
        Assert.Equal(3, p.Time);
        Assert.Equal(131072, p.Length);
        Assert.Equal("3.12", p.ClientVersion);
    }

    [Fact]
    public void The_congestion_control_a_client_asks_for_is_read()
    {
        using JsonDocument json = JsonDocument.Parse("""{"tcp":true,"parallel":1,"congestion":"bbr"}""");
        Assert.True(Iperf3Parameters.TryParse(json.RootElement, out Iperf3Parameters p, out string? error), error);
        Assert.Equal("bbr", p.Congestion);
        var sent = new Iperf3Parameters { Congestion = "reno" };
        using JsonDocument ours = JsonDocument.Parse(sent.ToJson());
        Assert.True(Iperf3Parameters.TryParse(ours.RootElement, out Iperf3Parameters got, out _));
        Assert.Equal("reno", got.Congestion);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("""{"parallel":"four"}""")]
    [InlineData("""{"parallel":0}""")]
    [InlineData("""{"len":-1}""")]
    [InlineData("""{"time":1e300}""")]
    public void Hostile_parameters_are_refused_without_throwing(string text)
    {
        using JsonDocument json = JsonDocument.Parse(text);
        Assert.False(Iperf3Parameters.TryParse(json.RootElement, out _, out string? error));
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Fact]
    public void Our_parameters_round_trip()
    {
        var sent = new Iperf3Parameters { Time = 7, Parallel = 3, Reverse = true, Length = 65536 };
        using JsonDocument json = JsonDocument.Parse(sent.ToJson());
        Assert.True(Iperf3Parameters.TryParse(json.RootElement, out Iperf3Parameters got, out _));
        Assert.Equal(sent with { ClientVersion = got.ClientVersion }, got);
    }

    [Fact]
    public void Results_carry_every_field_the_stock_client_requires_and_round_trip()
    {
        var results = new Iperf3Results
        {
            CpuUtilTotal = 50,
            CpuUtilUser = 30,
            CpuUtilSystem = 20,
            SenderHasRetransmits = true,
            Streams = [new Iperf3StreamResult(1, 1000, 2, 0, 3), new Iperf3StreamResult(3, 500, 0, 0, 3)],
        };
        using JsonDocument json = JsonDocument.Parse(results.ToJson());
        JsonElement root = json.RootElement;
        foreach (string name in new[] { "cpu_util_total", "cpu_util_user", "cpu_util_system", "sender_has_retransmits", "streams" })
        {
            Assert.True(root.TryGetProperty(name, out _), name);
        }
        foreach (string name in new[] { "id", "bytes", "retransmits", "jitter", "errors", "packets", "start_time", "end_time" })
        {
            Assert.True(root.GetProperty("streams")[0].TryGetProperty(name, out _), name);
        }
        Assert.True(Iperf3Results.TryParse(root, out Iperf3Results got));
        Assert.Equal(1500, got.TotalBytes);
        Assert.Equal(2, got.TotalRetransmits);
        Assert.Equal([1, 3], got.Streams.Select(s => s.Id));
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("""{"streams":[{"bytes":5}]}""")]
    [InlineData("""{"streams":[{"id":"x","bytes":5}]}""")]
    [InlineData("""{"streams":7}""")]
    public void Results_without_stream_ids_and_bytes_are_refused(string text)
    {
        using JsonDocument json = JsonDocument.Parse(text);
        Assert.False(Iperf3Results.TryParse(json.RootElement, out _));
    }

    [Fact]
    public async Task Json_messages_are_a_big_endian_length_then_the_bytes()
    {
        using var wire = new MemoryStream();
        await Iperf3Control.WriteJsonAsync(wire, Encoding.UTF8.GetBytes("""{"a":1}"""), CancellationToken.None);
        Assert.Equal(new byte[] { 0, 0, 0, 7 }, wire.ToArray()[..4]);
        wire.Position = 0;
        using JsonDocument got = await Iperf3Control.ReadJsonAsync(wire, CancellationToken.None);
        Assert.Equal(1, got.RootElement.GetProperty("a").GetInt32());
    }

    [Theory]
    [InlineData(new byte[] { 0, 0, 0 })]
    [InlineData(new byte[] { 0, 0, 0, 9, (byte)'{' })]
    [InlineData(new byte[] { 0x7f, 0xff, 0xff, 0xff })]
    [InlineData(new byte[] { 0, 0, 0, 2, (byte)'{', (byte)'[' })]
    public async Task Broken_json_messages_are_protocol_errors(byte[] bytes)
    {
        using var wire = new MemoryStream(bytes);
        await Assert.ThrowsAsync<Iperf3ProtocolException>(async () => (await Iperf3Control.ReadJsonAsync(wire, CancellationToken.None)).Dispose());
    }

    [Fact]
    public async Task States_are_one_signed_byte()
    {
        using var wire = new MemoryStream();
        await Iperf3Control.WriteStateAsync(wire, Iperf3State.AccessDenied, CancellationToken.None);
        await Iperf3Control.WriteStateAsync(wire, Iperf3State.IperfDone, CancellationToken.None);
        Assert.Equal(new byte[] { 0xff, 16 }, wire.ToArray());
        wire.Position = 0;
        Assert.Equal(Iperf3State.AccessDenied, await Iperf3Control.ReadStateAsync(wire, CancellationToken.None));
        Assert.Equal(Iperf3State.IperfDone, await Iperf3Control.ReadStateAsync(wire, CancellationToken.None));
        Assert.Null(await Iperf3Control.ReadStateAsync(wire, CancellationToken.None));
    }

    [Fact]
    public void Cookies_are_36_base32_characters_and_a_nul()
    {
        byte[] cookie = Iperf3Cookie.Create();
        Assert.Equal(37, cookie.Length);
        Assert.Equal(0, cookie[36]);
        Assert.Matches("^[a-z2-7]{36}$", Iperf3Cookie.ToText(cookie));
    }
}
